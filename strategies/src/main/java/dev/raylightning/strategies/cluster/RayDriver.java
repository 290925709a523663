package dev.raylightning.strategies.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.ray.api.Ray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This JVM's connection, as a Ray driver, to a running cluster; {@link #close()} disconnects.
 *
 * <p>Ray Java reads its configuration from system properties at {@code Ray.init()} (then {@code
 * ray.conf} on the classpath, then its {@code ray.default.conf}). This class sets the few that
 * matter, calls {@code Ray.init()}, and restores the previous values afterwards, so one JVM
 * (JShell, a notebook, a test run) can connect several times.
 *
 * <p>Only one driver per JVM can be connected at a time: Ray's runtime is a JVM-wide singleton.
 */
public final class RayDriver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RayDriver.class);

    /** Where the driver's copy of Ray's JNI library lands: {@code /tmp/ray/<millis>/}. */
    private static final Pattern EXTRACTED_LIBRARY =
            Pattern.compile("(/tmp/ray/\\d+)/libcore_worker_library_java\\.so");

    /**
     * Java 17 module openings Ray's serializer (FST, reflective field access) needs in every JVM
     * that serializes objects: worker JVMs get them through {@code ray.job.jvm-options}, the
     * driver JVM must be started with them. Without them any non-primitive argument or return
     * value fails with {@code InaccessibleObjectException} and the worker dies.
     */
    public static final List<String> ADD_OPENS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.math=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED");

    /**
     * Set to true to see Ray's own start-up output on the console: its native INFO lines and its
     * log4j configuration lines (by default only native warnings and errors are shown).
     */
    public static final String RAY_CONSOLE_LOGS_PROPERTY = "ray.lightning.ray-console-logs";

    private final Map<String, String> previous;
    private final Duration initTime;
    private boolean closed;

    private RayDriver(Map<String, String> previous, Duration initTime) {
        this.previous = previous;
        this.initTime = initTime;
    }

    /** Returns a builder for a driver connected to {@code address} ({@code host:gcsPort}). */
    public static Builder to(String address) {
        return new Builder(address);
    }

    /** How long {@code Ray.init()} took. */
    public Duration initTime() {
        return initTime;
    }

    /** Disconnects ({@code Ray.shutdown()}) and restores the system properties set at connect. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Ray.shutdown();
        } finally {
            restore(previous);
        }
    }

    private static void restore(Map<String, String> previous) {
        previous.forEach((key, value) -> {
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
        });
    }

    /**
     * The code search path that lets Ray's worker JVMs load the given classes: the jar or
     * directory each class came from. Workers load these with a parent-first class loader below
     * Ray's own jar, so the classes Ray bundles (slf4j 1.7, gson 2.11, guava, ...) win there.
     */
    public static List<Path> codeSourcesOf(Class<?>... classes) {
        Set<Path> paths = new LinkedHashSet<>();
        for (Class<?> c : classes) {
            try {
                paths.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()));
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalArgumentException("No code source for " + c.getName(), e);
            }
        }
        return new ArrayList<>(paths);
    }

    /** Settings of a driver connection; {@link #connect()} calls {@code Ray.init()}. */
    public static final class Builder {

        private final String address;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private List<Path> codeSearchPath = List.of();
        private List<String> workerJvmOptions = List.of();
        private Duration reachTimeout = Duration.ofSeconds(5);

        private Builder(String address) {
            this.address = address;
        }

        /**
         * Jars and class directories that workers need to load the job's classes
         * ({@code ray.job.code-search-path}). Without it, Ray uses this JVM's
         * {@code java.class.path}, which under Surefire is a single manifest-only jar.
         */
        public Builder codeSearchPath(List<Path> paths) {
            this.codeSearchPath = List.copyOf(paths);
            return this;
        }

        /**
         * Extra JVM options for this job's worker processes ({@code ray.job.jvm-options}); {@link
         * #ADD_OPENS} always comes first.
         */
        public Builder workerJvmOptions(List<String> options) {
            this.workerJvmOptions = List.copyOf(options);
            return this;
        }

        /** Any other Ray setting, e.g. {@code ray.job.namespace} or {@code ray.logging.level}. */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        /**
         * Checks the address answers, then connects.
         *
         * @throws IllegalStateException if nothing listens at the address; Ray itself would wait
         *     60 s and then exit the JVM from native code
         */
        public RayDriver connect() {
            checkReachable();
            warnIfModulesClosed();
            Map<String, String> props = new LinkedHashMap<>();
            props.put("ray.address", address);
            String host = address.substring(0, address.lastIndexOf(':'));
            if (isLoopback(host)) {
                // Otherwise Ray picks the host's routable IP and finds no raylet registered there.
                props.put("ray.node-ip", LocalRayCluster.NODE_IP);
            }
            if (!codeSearchPath.isEmpty()) {
                props.put("ray.job.code-search-path", codeSearchPath.stream()
                        .map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator)));
            }
            // A list-valued setting as system properties: Typesafe Config reads key.0, key.1, ...
            List<String> jvmOptions = new ArrayList<>(ADD_OPENS);
            jvmOptions.addAll(workerJvmOptions);
            for (int i = 0; i < jvmOptions.size(); i++) {
                props.put("ray.job.jvm-options." + i, jvmOptions.get(i));
            }
            props.putAll(properties);

            Map<String, String> previous = new LinkedHashMap<>();
            props.forEach((k, v) -> previous.put(k, System.setProperty(k, v)));
            boolean consoleLogs = Boolean.getBoolean(RAY_CONSOLE_LOGS_PROPERTY);
            if (!consoleLogs) {
                skipRayDriverLogSetup();
            }
            Optional<NativeStderrCapture> capture = consoleLogs ? Optional.empty()
                    : NativeStderrCapture.start(Path.of(System.getProperty("java.io.tmpdir")));
            long t0 = System.nanoTime();
            try {
                Ray.init();
            } catch (RuntimeException | Error e) {
                capture.ifPresent(c -> c.stop(true).forEach(System.err::println));
                restore(previous);
                throw e;
            }
            capture.ifPresent(NativeStderrCapture::close);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            quietLog4jStatus();
            deleteExtractedLibrary();
            LOG.info("Connected to Ray at {} in {} ms", address, took.toMillis());
            return new RayDriver(previous, took);
        }

        /**
         * Ray's driver log set-up replaces log4j's configuration with one of status level INFO,
         * which prints four lines about log4j itself on every start. The driver's Ray logging
         * stays as Ray's bundled log4j2.xml configures it before that (console, INFO), so marking
         * the set-up done changes nothing else.
         */
        private static void skipRayDriverLogSetup() {
            try {
                java.lang.reflect.Field setup = Class.forName("io.ray.runtime.util.LoggingUtil")
                        .getDeclaredField("setup");
                setup.setAccessible(true);
                setup.setBoolean(null, true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.debug("Ray's log set-up runs as usual", e);
            }
        }

        /**
         * Ray configures its log4j with status level INFO, which prints log4j's own
         * "Stopping configuration" lines on the console when the JVM exits; warnings and errors
         * of log4j itself still show.
         */
        private static void quietLog4jStatus() {
            try {
                org.apache.logging.log4j.status.StatusLogger.getLogger().getFallbackListener()
                        .setLevel(org.apache.logging.log4j.Level.WARN);
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("Could not lower log4j's status level", e);
            }
        }

        private void checkReachable() {
            int colon = address.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("Ray address must be host:port, got " + address);
            }
            String host = address.substring(0, colon);
            int port = Integer.parseInt(address.substring(colon + 1));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), (int) reachTimeout.toMillis());
            } catch (IOException e) {
                throw new IllegalStateException("No Ray cluster answers at " + address + " ("
                        + e.getMessage() + "). Start one (ray start --head, or LocalRayCluster)"
                        + " or fix the address.", e);
            }
        }

        /** The driver serializes arguments too; say why it will fail before it does. */
        private static void warnIfModulesClosed() {
            if (!Object.class.getModule().isOpen("java.lang", RayDriver.class.getModule())) {
                LOG.warn("This JVM lacks the --add-opens flags Ray's serializer needs on Java 17;"
                        + " passing objects to or from actors will fail. Start it with: {}",
                        String.join(" ", ADD_OPENS));
            }
        }

        private static boolean isLoopback(String host) {
            return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
        }

        /**
         * The driver's Ray.init() unpacks Ray's 41 MB JNI library into a fresh /tmp/ray/millis/
         * directory and never removes it. Once loaded, the file is no longer needed: delete the
         * copy that this process has mapped (and only that one; other drivers own theirs).
         */
        private static void deleteExtractedLibrary() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                    Matcher m = EXTRACTED_LIBRARY.matcher(line);
                    if (m.find()) {
                        // Only the two files Ray writes there; the directory goes only if empty.
                        Path dir = Path.of(m.group(1));
                        Files.deleteIfExists(dir.resolve("libcore_worker_library_java.so"));
                        Files.deleteIfExists(dir.resolve("file_lock"));
                        Files.deleteIfExists(dir);
                        return;
                    }
                }
            } catch (IOException e) {
                // Not Linux, or the directory is shared after all: leaving 41 MB behind is harmless.
                LOG.debug("Could not delete Ray's extracted JNI library", e);
            }
        }
    }
}
