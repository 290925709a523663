package dev.raylightning.strategies.cluster;

import com.sun.jna.Library;
import com.sun.jna.Native;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this process's standard error (file descriptor 2, which native code writes to) into a
 * private file while Ray's native runtime starts, then puts it back. Ray's C++ core prints INFO
 * lines there before its own logging is set up; {@link #close()} hands back only what is worth a
 * console line: native warnings and errors, and anything that is not a native INFO or DEBUG line
 * (Java output of other threads in that window included).
 *
 * <p>Where the C library cannot be reached (not Linux, no JNA), nothing is redirected.
 */
final class NativeStderrCapture implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NativeStderrCapture.class);

    /** Ray's native log line: {@code [2026-12-02 11:23:39,279 I 8696 8698] file.cc:96: text}. */
    private static final Pattern NATIVE_QUIET_LINE = Pattern.compile("^\\[[^\\]]* [ID] \\d+ \\d+\\] .*");

    private static final int STDERR = 2;
    // Linux: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
    private static final int OPEN_FLAGS = 01 | 0100 | 0200 | 0400000 | 02000000;
    private static final int OWNER_READ_WRITE = 0600;

    /** The few libc calls needed to swap a file descriptor. */
    interface LibC extends Library {
        int open(String path, int flags, int mode);

        int dup(int fd);

        int dup2(int from, int to);

        int close(int fd);
    }

    private final LibC libc;
    private final Path file;
    private final int savedStderr;
    private boolean closed;

    private NativeStderrCapture(LibC libc, Path file, int savedStderr) {
        this.libc = libc;
        this.file = file;
        this.savedStderr = savedStderr;
    }

    /** Starts capturing into a new owner-only file in {@code dir}; empty when it cannot. */
    static Optional<NativeStderrCapture> start(Path dir) {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return Optional.empty();
        }
        try {
            LibC libc = Native.load("c", LibC.class);
            Path file = dir.resolve("ray-lightning-native-init-" + ProcessHandle.current().pid() + "-"
                    + System.nanoTime() + ".log");
            System.err.flush();
            int fd = libc.open(file.toString(), OPEN_FLAGS, OWNER_READ_WRITE);
            if (fd < 0) {
                return Optional.empty();
            }
            int saved = libc.dup(STDERR);
            if (saved < 0 || libc.dup2(fd, STDERR) < 0) {
                libc.close(fd);
                if (saved >= 0) {
                    libc.close(saved);
                }
                Files.deleteIfExists(file);
                return Optional.empty();
            }
            libc.close(fd);
            return Optional.of(new NativeStderrCapture(libc, file, saved));
        } catch (LinkageError | RuntimeException | IOException e) {
            LOG.debug("Not capturing Ray's native start-up output", e);
            return Optional.empty();
        }
    }

    /**
     * Puts standard error back, deletes the file and returns its lines that should still be
     * shown ({@code everything}: all of them, e.g. when start-up failed).
     */
    List<String> stop(boolean everything) {
        if (closed) {
            return List.of();
        }
        closed = true;
        System.err.flush();
        libc.dup2(savedStderr, STDERR);
        libc.close(savedStderr);
        List<String> shown = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (everything || !NATIVE_QUIET_LINE.matcher(line).matches()) {
                    shown.add(line);
                }
            }
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("Could not read back {}", file, e);
        }
        return shown;
    }

    @Override
    public void close() {
        stop(false).forEach(System.err::println);
    }
}
