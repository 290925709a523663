package dev.raylightning.core.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The entries of a checkpoint archive, read under checks: an entry's size in the archive's
 * directory must be what the caller expects before any of it is read, reading never goes past
 * that size (an entry that inflates further is refused, whatever it declares), and every entry's
 * CRC-32 is verified, the index's included.
 */
final class CheckedZip implements AutoCloseable {

    private static final int CHUNK = 1 << 16;

    private final ZipFile zip;
    private final String source;

    CheckedZip(Path path) throws IOException {
        this.zip = new ZipFile(path.toFile());
        this.source = path.toString();
    }

    /** A small entry whole, refusing one that declares or holds more than {@code maxBytes}. */
    byte[] readSmall(String name, int maxBytes) throws IOException {
        ZipEntry e = entry(name);
        long size = e.getSize();
        if (size < 0 || size > maxBytes) {
            throw new CheckpointException(source + ": " + name + " declares " + size + " bytes; at most " + maxBytes
                    + " are read");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) size);
        CRC32 crc = new CRC32();
        copy(e, size, (buf, n) -> {
            out.write(buf, 0, n);
            crc.update(buf, 0, n);
        });
        checkCrc(e, crc);
        return out.toByteArray();
    }

    /** Refuses unless entry {@code name} exists and declares exactly {@code bytes} bytes. */
    void requireSize(String name, long bytes) {
        long size = entry(name).getSize();
        if (size != bytes) {
            throw new CheckpointException(source + ": " + name + " has " + size + " bytes, the index says " + bytes
                    + " (truncated or corrupt)");
        }
    }

    /**
     * Decodes a float32 little-endian entry into {@code into} (already sized by the index),
     * checking its size, CRC-32 and SHA-256.
     */
    void readFloats(String name, long bytes, String sha256, List<float[]> into) throws IOException {
        ZipEntry e = entry(name);
        requireSize(name, bytes);
        MessageDigest digest = sha256();
        CRC32 crc = new CRC32();
        FloatSink sink = new FloatSink(into);
        copy(e, bytes, (buf, n) -> {
            digest.update(buf, 0, n);
            crc.update(buf, 0, n);
            sink.accept(buf, n);
        });
        checkCrc(e, crc);
        if (!HexFormat.of().formatHex(digest.digest()).equals(sha256)) {
            throw new CheckpointException(source + ": " + name + " fails its SHA-256 check (corrupt)");
        }
    }

    private ZipEntry entry(String name) {
        ZipEntry e = zip.getEntry(name);
        if (e == null || e.isDirectory()) {
            throw new CheckpointException(source + " lacks its " + name + " entry");
        }
        return e;
    }

    private interface Chunks {
        void accept(byte[] buf, int n);
    }

    /** Streams exactly {@code size} bytes of an entry to {@code out}, refusing more or fewer. */
    private void copy(ZipEntry e, long size, Chunks out) throws IOException {
        byte[] buf = new byte[CHUNK];
        long left = size;
        try (InputStream in = zip.getInputStream(e)) {
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new CheckpointException(source + ": " + e.getName() + " ends " + left
                            + " bytes before its declared size (truncated)");
                }
                out.accept(buf, n);
                left -= n;
            }
            if (in.read() >= 0) {
                throw new CheckpointException(source + ": " + e.getName() + " holds more than its declared " + size
                        + " bytes");
            }
        }
    }

    private void checkCrc(ZipEntry e, CRC32 crc) {
        if (e.getCrc() != crc.getValue()) {
            throw new CheckpointException(source + ": " + e.getName() + " fails its CRC-32 check (corrupt)");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    /** Fills a list of float arrays in order from little-endian bytes arriving in chunks. */
    private static final class FloatSink {
        private final List<float[]> arrays;
        private final byte[] pending = new byte[4];
        private int pendingBytes;
        private int array;
        private int index;

        FloatSink(List<float[]> arrays) {
            this.arrays = arrays;
        }

        void accept(byte[] buf, int n) {
            int i = 0;
            while (pendingBytes > 0 && i < n) {
                pending[pendingBytes++] = buf[i++];
                if (pendingBytes == 4) {
                    pendingBytes = 0;
                    FloatBuffer one = ByteBuffer.wrap(pending).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                    fill(one);
                }
            }
            int whole = (n - i) / 4 * 4;
            fill(ByteBuffer.wrap(buf, i, whole).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer());
            for (i += whole; i < n; i++) {
                pending[pendingBytes++] = buf[i];
            }
        }

        // the index and the entry size were checked to agree, so the values never overrun the arrays
        private void fill(FloatBuffer values) {
            while (values.hasRemaining()) {
                float[] a = arrays.get(array);
                int k = Math.min(values.remaining(), a.length - index);
                values.get(a, index, k);
                index += k;
                if (index == a.length) {
                    array++;
                    index = 0;
                }
            }
        }
    }
}
