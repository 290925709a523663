package dev.raylightning.core.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files, the format MNIST and Fashion-MNIST ship in, plain or gzip-compressed.
 *
 * <p>Layout: a 4-byte magic {@code 0x00 0x00 <type> <dims>}, then {@code dims} big-endian int32
 * dimension sizes, then the elements in row-major order, big-endian. Element types are those of
 * {@link IdxArray.Type}.
 *
 * <p>Validation is strict so that a wrong or damaged download fails here, not as odd accuracy later:
 * a bad magic, an unknown type, a header without dimensions, negative dimensions, fewer data bytes
 * than the dimensions promise (truncation) and <em>any bytes after the data</em> (trailing garbage,
 * usually a sign that the header does not match the payload) all raise an {@link IOException} whose
 * message starts with the file name. The size a header claims is checked against the file's real
 * size (for a gzip file, the most its size can inflate to) before anything is allocated; a stream
 * of unknown size is read in chunks, so memory grows only with bytes that really arrive.
 */
public final class IdxReader {

    private static final int BUFFER_SIZE = 1 << 16;
    /** Java arrays are int-indexed; keep a little headroom below {@code Integer.MAX_VALUE}. */
    private static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;
    /** Deflate never inflates one byte to more than 1032. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    private IdxReader() {}

    /**
     * Reads a whole IDX file. It is gunzipped when its name ends in {@code .gz} or its content
     * starts with the gzip magic bytes, so renamed files work either way.
     *
     * @throws IOException if the file cannot be read or is not a well-formed IDX file
     */
    public static IdxArray read(Path file) throws IOException {
        boolean namedGz = file.getFileName() != null
                && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), namedGz, Files.size(file));
        }
    }

    /**
     * Reads one IDX array from a stream (for example a classpath resource), gunzipping it when it
     * starts with the gzip magic. The stream is read to its end but not closed.
     *
     * @param sourceName names the source in error messages
     * @throws IOException if the stream fails or does not hold exactly one well-formed IDX array
     */
    public static IdxArray read(InputStream in, String sourceName) throws IOException {
        return read(in, sourceName, false, -1);
    }

    /** @param fileBytes the source's size when known, else -1 */
    private static IdxArray read(InputStream raw, String name, boolean forceGzip, long fileBytes) throws IOException {
        try {
            InputStream in = decompressIfNeeded(raw, forceGzip);
            long limit = fileBytes < 0 ? -1 : in instanceof GZIPInputStream ? fileBytes * MAX_DEFLATE_RATIO : fileBytes;
            return parse(in, name, limit, in instanceof GZIPInputStream);
        } catch (FormatException e) {
            throw e;
        } catch (EOFException e) {
            // GZIPInputStream's way of saying the compressed stream was cut short.
            throw new IOException(name + ": truncated or corrupt gzip data (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new IOException(name + ": cannot read IDX data: " + e.getMessage(), e);
        }
    }

    private static InputStream decompressIfNeeded(InputStream raw, boolean forceGzip) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, BUFFER_SIZE);
        in.mark(2);
        boolean gzipMagic = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        return gzipMagic || forceGzip ? new GZIPInputStream(in, BUFFER_SIZE) : in;
    }

    /**
     * @param sourceLimit the most bytes the stream can hold (the file's size, or what a gzip file
     *     of its size can inflate to), -1 when unknown
     */
    private static IdxArray parse(InputStream in, String name, long sourceLimit, boolean gzip) throws IOException {
        byte[] magic = new byte[4];
        int got = in.readNBytes(magic, 0, 4);
        if (got < 4) {
            throw new FormatException(name, "too short for an IDX header (" + got + " bytes)");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new FormatException(name, String.format(
                    "bad IDX magic 0x%08x (expected 0x0000 followed by a type byte and a dimension count)",
                    ByteBuffer.wrap(magic).getInt()));
        }
        IdxArray.Type type = IdxArray.Type.fromCode(magic[2] & 0xFF);
        if (type == null) {
            throw new FormatException(name, String.format("unsupported IDX element type 0x%02x (known: 0x08 ubyte,"
                    + " 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)", magic[2] & 0xFF));
        }
        int[] shape = readShape(in, name, magic[3] & 0xFF);
        long bytes = dataBytes(shape, type, name);
        long headerBytes = 4 + 4L * shape.length;
        // the header's claim is checked against the source's size before anything is allocated
        if (sourceLimit >= 0 && headerBytes + bytes > sourceLimit) {
            throw new FormatException(name, gzip
                    ? "IDX header claims " + bytes + " data bytes (shape " + Arrays.toString(shape) + " of " + type
                            + "), more than a gzip file of " + sourceLimit / MAX_DEFLATE_RATIO + " bytes can hold"
                    : "truncated IDX data: shape " + Arrays.toString(shape) + " of " + type + " needs " + bytes
                            + " bytes, only " + Math.max(0, sourceLimit - headerBytes) + " present");
        }
        // an exact size is known only for plain files; otherwise memory grows with the bytes that arrive
        byte[] data;
        int read;
        if (sourceLimit >= 0 && !gzip) {
            data = new byte[(int) bytes];
            read = in.readNBytes(data, 0, data.length);
        } else {
            data = in.readNBytes((int) bytes);
            read = data.length;
        }
        if (read < bytes) {
            throw new FormatException(name, "truncated IDX data: shape " + Arrays.toString(shape) + " of " + type
                    + " needs " + bytes + " bytes, only " + read + " present");
        }
        if (in.read() != -1) {
            throw new FormatException(name, "unexpected trailing bytes after the " + data.length
                    + " data bytes of shape " + Arrays.toString(shape) + " (header and payload disagree?)");
        }
        return new IdxArray(type, shape, data);
    }

    private static int[] readShape(InputStream in, String name, int dims) throws IOException {
        if (dims == 0) {
            throw new FormatException(name, "IDX header declares zero dimensions");
        }
        byte[] header = new byte[4 * dims];
        if (in.readNBytes(header, 0, header.length) < header.length) {
            throw new FormatException(name, "truncated IDX header: expected " + dims + " dimension sizes");
        }
        ByteBuffer buf = ByteBuffer.wrap(header); // big-endian by default, as IDX is
        int[] shape = new int[dims];
        for (int i = 0; i < dims; i++) {
            shape[i] = buf.getInt();
            if (shape[i] < 0) {
                throw new FormatException(name, "IDX dimension " + i + " is negative (" + shape[i] + ")");
            }
        }
        return shape;
    }

    /** Payload size in bytes, refusing shapes whose data (or one item of it) cannot fit a Java array. */
    private static long dataBytes(int[] shape, IdxArray.Type type, String name) throws IOException {
        long item = type.bytesPerElement();
        for (int i = 1; i < shape.length; i++) {
            item *= shape[i];
            if (item > MAX_DATA_BYTES) {
                throw tooLarge(shape, name);
            }
        }
        long total = item * shape[0]; // both factors are below 2^31, so no overflow
        if (total > MAX_DATA_BYTES) {
            throw tooLarge(shape, name);
        }
        return total;
    }

    private static IOException tooLarge(int[] shape, String name) {
        return new FormatException(name, "IDX shape " + Arrays.toString(shape)
                + " is too large to load into one array");
    }

    /** A malformed file, as opposed to an I/O failure; its message already names the source. */
    private static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        FormatException(String name, String message) {
            super(name + ": " + message);
        }
    }
}
