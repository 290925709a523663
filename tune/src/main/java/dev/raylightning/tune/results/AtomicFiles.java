package dev.raylightning.tune.results;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Whole-file writes that readers never see half done: the bytes go to a hidden temporary file
 * beside the target, are forced to disk, then renamed over the target.
 */
final class AtomicFiles {

    /** Temporary files start with a dot and end like this, so a crash leaves a recognisable name. */
    static final String TEMP_SUFFIX = ".tmp";

    private AtomicFiles() {
    }

    /** Appends text without an interruptible channel (see {@link #write(Path, byte[])}). */
    static void append(Path target, String text) throws IOException {
        try (FileOutputStream out = new FileOutputStream(target.toFile(), true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    static void write(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    static void write(Path target, byte[] bytes) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", TEMP_SUFFIX);
            // a FileOutputStream, not a channel: an interrupt of the writing thread (how Tune is
            // stopped) must not abort the write of the state that resuming depends on
            try (FileOutputStream out = new FileOutputStream(tmp.toFile())) {
                out.write(bytes);
                out.getFD().sync();
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a leftover temporary name never shadows the target
                }
            }
        }
    }
}
