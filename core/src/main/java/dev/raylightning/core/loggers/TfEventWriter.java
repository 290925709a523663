package dev.raylightning.core.loggers;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Appends TFRecord-framed events to one {@code events.out.tfevents.<secs>.<host>.<pid>.<n>} file,
 * the name TensorBoard's own writer uses. Writes are buffered and flushed after
 * {@code maxQueue} events, after {@code flushSecs} seconds (checked on each write) and on
 * {@link #flush()}. Not thread-safe; the logger synchronizes.
 */
final class TfEventWriter implements Closeable {

    static final String FILE_PREFIX = "events.out.tfevents.";

    // Distinguishes files opened in the same second by the same process.
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final Path file;
    private final OutputStream out;
    private final int maxQueue;
    private final long flushNanos;
    private int queued;
    private long lastFlush = System.nanoTime();

    private TfEventWriter(Path file, OutputStream out, int maxQueue, double flushSecs) {
        this.file = file;
        this.out = out;
        this.maxQueue = maxQueue;
        this.flushNanos = (long) (flushSecs * TimeUnit.SECONDS.toNanos(1));
    }

    /** Creates a new event file in dir and writes its {@code file_version} header event. */
    static TfEventWriter open(Path dir, int maxQueue, double flushSecs) throws IOException {
        Files.createDirectories(dir);
        long now = System.currentTimeMillis();
        String fileName = String.format("%s%010d.%s.%d.%d", FILE_PREFIX, now / 1000, hostname(),
                ProcessHandle.current().pid(), COUNTER.getAndIncrement());
        Path file = dir.resolve(fileName);
        OutputStream out = new BufferedOutputStream(
                Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        TfEventWriter writer = new TfEventWriter(file, out, maxQueue, flushSecs);
        writer.write(TfEvents.fileVersion(now / 1000.0));
        writer.flush();
        return writer;
    }

    Path file() {
        return file;
    }

    /** Frames and buffers one encoded Event. */
    void write(byte[] event) throws IOException {
        TfRecords.write(out, event);
        queued++;
        if (queued >= maxQueue || System.nanoTime() - lastFlush >= flushNanos) {
            flush();
        }
    }

    void flush() throws IOException {
        out.flush();
        queued = 0;
        lastFlush = System.nanoTime();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /**
     * The host name without a DNS lookup (which {@code InetAddress.getLocalHost()} may do):
     * the environment, then the kernel's name, then {@code localhost}.
     */
    static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        for (String source : new String[] {"/proc/sys/kernel/hostname", "/etc/hostname"}) {
            try {
                String name = Files.readString(Path.of(source), StandardCharsets.UTF_8).trim();
                if (!name.isEmpty()) {
                    return name;
                }
            } catch (IOException | RuntimeException unavailable) {
                // Try the next source.
            }
        }
        return "localhost";
    }
}
