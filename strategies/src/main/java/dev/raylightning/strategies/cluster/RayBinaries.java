package dev.raylightning.strategies.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Finds the {@code ray} command line of the Ray 2.58.0 Python wheel.
 *
 * <p>The Java runtime cannot start a cluster by itself: {@code gcs_server}, {@code raylet} and the
 * {@code ray} CLI that wires them up ship only in the wheel. Lookup order, first hit wins:
 *
 * <ol>
 *   <li>system property {@value #BIN_PROPERTY} (the executable, or the directory holding it);
 *   <li>environment variable {@value #BIN_ENV} (same);
 *   <li>the venv recorded at build time by {@code scripts/ensure-ray.sh} in the classpath resource
 *       {@value #HOME_RESOURCE} (key {@code ray.bin});
 *   <li>the script's default venv: {@code $RAY_LIGHTNING_RAY_VENV/bin/ray}, else {@code
 *       ${RAY_LIGHTNING_HOME:-~/.cache/ray-lightning}/ray-2.58.0/venv/bin/ray};
 *   <li>{@code ray} on {@code PATH}, if it reports version {@value #RAY_VERSION}.
 * </ol>
 *
 * <p>An explicit setting (1, 2) that names no executable is an error, not a reason to look further:
 * silently using another Ray would hide the mistake.
 */
public final class RayBinaries {

    /** The only Ray version whose Java runtime this project bundles. */
    public static final String RAY_VERSION = "2.58.0";
    /** System property naming the {@code ray} executable or its directory. */
    public static final String BIN_PROPERTY = "ray.lightning.ray-bin";
    /** Environment variable naming the {@code ray} executable or its directory. */
    public static final String BIN_ENV = "RAY_LIGHTNING_RAY_BIN";
    /** Resource written by the {@code ray-java} module's build. */
    public static final String HOME_RESOURCE = "dev/raylightning/ray/ray-home.properties";
    /** The script that installs Ray; named in every error message. */
    public static final String SETUP_SCRIPT = "scripts/ensure-ray.sh";

    private final Function<String, String> properties;
    private final Map<String, String> environment;

    private RayBinaries(Function<String, String> properties, Map<String, String> environment) {
        this.properties = properties;
        this.environment = environment;
    }

    /**
     * Returns the {@code ray} executable, following the lookup order of this class.
     *
     * @throws IllegalStateException if no candidate exists; the message lists every place tried
     */
    public static Path locate() {
        return new RayBinaries(System::getProperty, System.getenv()).find();
    }

    /** Same as {@link #locate()} with the given properties and environment; for tests. */
    static Path locate(Function<String, String> properties, Map<String, String> environment) {
        return new RayBinaries(properties, environment).find();
    }

    private Path find() {
        List<String> tried = new ArrayList<>();
        Optional<Path> explicit = explicit(BIN_PROPERTY, properties.apply(BIN_PROPERTY));
        if (explicit.isEmpty()) {
            explicit = explicit(BIN_ENV, environment.get(BIN_ENV));
        }
        if (explicit.isPresent()) {
            return explicit.get();
        }
        Optional<Path> recorded = recordedAtBuild();
        recorded.ifPresent(p -> tried.add(p + " (recorded by the build in " + HOME_RESOURCE + ")"));
        if (recorded.isPresent() && isExecutable(recorded.get())) {
            return recorded.get();
        }
        Path defaultVenv = defaultVenv().resolve("bin").resolve("ray");
        tried.add(defaultVenv + " (default venv)");
        if (isExecutable(defaultVenv)) {
            return defaultVenv;
        }
        Optional<Path> onPath = onPath();
        if (onPath.isPresent()) {
            String version = version(onPath.get());
            if (version.contains("version " + RAY_VERSION)) {
                return onPath.get();
            }
            tried.add(onPath.get() + " (on PATH, but reports '" + version.strip() + "')");
        } else {
            tried.add("ray on PATH");
        }
        throw new IllegalStateException("Ray " + RAY_VERSION + " is not installed. Run "
                + SETUP_SCRIPT + " (it creates a venv with ray==" + RAY_VERSION
                + " and prints its path), or set -D" + BIN_PROPERTY + " or " + BIN_ENV
                + " to its bin/ray. Tried: " + String.join("; ", tried));
    }

    /** An explicitly configured location: must exist, else fail loudly. */
    private static Optional<Path> explicit(String source, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        Path path = Path.of(value.strip());
        Path ray = Files.isDirectory(path) ? path.resolve("ray") : path;
        if (!isExecutable(ray)) {
            throw new IllegalStateException(source + "=" + value + " names no executable 'ray'"
                    + " (expected the venv's bin/ray or bin directory; create it with "
                    + SETUP_SCRIPT + ").");
        }
        return Optional.of(ray);
    }

    private static Optional<Path> recordedAtBuild() {
        try (InputStream in = RayBinaries.class.getClassLoader().getResourceAsStream(HOME_RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            Properties p = new Properties();
            p.load(in);
            String bin = p.getProperty("ray.bin");
            return bin == null || bin.isBlank() ? Optional.empty() : Optional.of(Path.of(bin));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + HOME_RESOURCE, e);
        }
    }

    /** Mirrors the default of {@code scripts/ensure-ray.sh}; keep the two in step. */
    private Path defaultVenv() {
        String venv = environment.get("RAY_LIGHTNING_RAY_VENV");
        if (venv != null && !venv.isBlank()) {
            return Path.of(venv);
        }
        return home(properties, environment).resolve("ray-" + RAY_VERSION).resolve("venv");
    }

    /** The library's folder for what it sets up and keeps: {@code ${RAY_LIGHTNING_HOME:-~/.cache/ray-lightning}}. */
    static Path home(Function<String, String> properties, Map<String, String> environment) {
        String home = environment.get("RAY_LIGHTNING_HOME");
        return home != null && !home.isBlank()
                ? Path.of(home)
                : Path.of(properties.apply("user.home"), ".cache", "ray-lightning");
    }

    private Optional<Path> onPath() {
        String path = environment.get("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && isExecutable(Path.of(dir, "ray"))) {
                return Optional.of(Path.of(dir, "ray"));
            }
        }
        return Optional.empty();
    }

    /** Output of {@code ray --version}, or a description of why it failed. */
    static String version(Path ray) {
        try {
            Process p = new ProcessBuilder(ray.toString(), "--version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "no answer to --version";
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "cannot run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static boolean isExecutable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }
}
