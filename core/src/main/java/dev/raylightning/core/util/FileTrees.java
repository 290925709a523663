package dev.raylightning.core.util;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing a folder with everything in it. */
public final class FileTrees {

    private FileTrees() {}

    /**
     * Deletes {@code root} and everything under it, deepest first. Links are removed, never
     * followed; a missing root is nothing to do. The first failure stops it.
     */
    public static void delete(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
