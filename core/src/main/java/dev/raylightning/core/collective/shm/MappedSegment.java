package dev.raylightning.core.collective.shm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;

/**
 * One shared-memory file mapped into this process: a rank's own segment (read-write) or a peer's
 * (read-only). Unmapped explicitly on {@link #close()}: a mapping left to the garbage collector
 * would hold its memory for as long as the small buffer object survives.
 */
final class MappedSegment implements AutoCloseable {

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method cleaner = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            cleaner = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // without it mappings are released by the garbage collector, later
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = cleaner;
    }

    final Path path;
    final ByteBuffer bytes;
    final FloatBuffer floats;
    private boolean closed;

    private MappedSegment(Path path, MappedByteBuffer mapped) {
        this.path = path;
        this.bytes = mapped.order(ByteOrder.nativeOrder());
        this.floats = bytes.asFloatBuffer();
    }

    /**
     * Creates a new owner-only file and maps it read-write, {@code size} bytes. Refuses an existing
     * file or link at {@code path} (leaving it as it is); removes the file again if mapping fails.
     */
    static MappedSegment create(Path path, long size) {
        FileChannel ch;
        try {
            ch = SegmentFiles.create(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create shared memory segment " + path, e);
        }
        try (ch) {
            return new MappedSegment(path, ch.map(FileChannel.MapMode.READ_WRITE, 0, size));
        } catch (IOException | RuntimeException e) {
            SegmentFiles.deleteQuietly(path);
            throw e instanceof IOException io ? new UncheckedIOException("cannot map shared memory segment " + path, io)
                    : (RuntimeException) e;
        }
    }

    /** Maps a peer's segment read-only: a regular file of {@code owner}, at least {@code size} bytes. */
    static MappedSegment open(Path path, long size, UserPrincipal owner) {
        try (FileChannel ch = SegmentFiles.open(path, owner)) {
            if (ch.size() < size) {
                throw new IllegalStateException("shared memory segment " + path + " holds " + ch.size()
                        + " bytes, expected " + size);
            }
            return new MappedSegment(path, ch.map(FileChannel.MapMode.READ_ONLY, 0, size));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map shared memory segment " + path, e);
        }
    }

    /** Removes the file; the mapping stays valid until {@link #close()}. */
    void unlink() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove shared memory segment " + path, e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (INVOKE_CLEANER != null) {
            try {
                INVOKE_CLEANER.invoke(UNSAFE, bytes);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // the collector unmaps it later
            }
        }
    }
}
