package dev.raylightning.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * For fault-tolerance tests whose workers are other processes: marker files that only one
 * process can create (so a failure happens once across restarted fits), and a signal a worker
 * sends its own process (SIGKILL, SIGSTOP).
 */
public final class OnceMarker {

    private OnceMarker() {}

    /** Creates {@code dir/name} holding {@code text}; false if it exists already. */
    public static boolean claim(Path dir, String name, String text) {
        try {
            Files.writeString(Files.createFile(dir.resolve(name)), text);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends this process {@code signal} ("KILL", "STOP"), as {@code kill -SIGNAL pid}. */
    public static void signalSelf(String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, Long.toString(ProcessHandle.current().pid())).start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
