package dev.raylightning.core.loggers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Lightning's experiment directory layout, {@code saveDir/name/version_N}, shared by the file
 * loggers.
 */
final class LogDirs {

    static final String VERSION_PREFIX = "version_";

    private LogDirs() {}

    /** {@code saveDir/name}, or {@code saveDir} itself when the name is empty (as Lightning does). */
    static Path root(Path saveDir, String name) {
        return name.isEmpty() ? saveDir : saveDir.resolve(name);
    }

    /**
     * Resolves the version directory name: an explicit string is used as is, an explicit number
     * becomes {@code version_N}, and no version means the next free {@code version_N} under root.
     */
    static String versionName(Path root, Integer number, String text) {
        if (text != null) {
            return text;
        }
        return VERSION_PREFIX + (number != null ? number : nextVersion(root));
    }

    /**
     * One past the highest {@code version_N} directory under root, or 0. Like Lightning, the
     * number is the text between the first and second underscore, so {@code version_3_old}
     * counts as 3.
     */
    static int nextVersion(Path root) {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        int max = -1;
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : (Iterable<Path>) children::iterator) {
                String dirName = child.getFileName().toString();
                if (!Files.isDirectory(child) || !dirName.startsWith(VERSION_PREFIX)) {
                    continue;
                }
                String number = dirName.split("_", -1)[1];
                if (!number.isEmpty() && number.chars().allMatch(Character::isDigit)) {
                    try {
                        max = Math.max(max, Integer.parseInt(number));
                    } catch (NumberFormatException tooLarge) {
                        // Not a version we could ever produce; ignore it.
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        return max + 1;
    }

    /** Creates the directory (and parents), wrapping the checked exception. */
    static Path create(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create log directory " + dir, e);
        }
    }

    /** True when the directory exists and holds at least one entry. */
    static boolean nonEmpty(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> children = Files.list(dir)) {
            return children.findAny().isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /**
     * Moves tmp over target atomically where the file system allows it, so readers never see a
     * half-written file; falls back to a plain replace elsewhere.
     */
    static void replace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Lightning joins a logger prefix and a metric key with a dash. */
    static String prefixed(String prefix, String key) {
        return prefix.isEmpty() ? key : prefix + "-" + key;
    }
}
