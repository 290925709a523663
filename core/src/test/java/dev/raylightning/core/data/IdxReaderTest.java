package dev.raylightning.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    /** 3 images of 2x2; includes 255 and 128 to catch signed-byte mistakes. */
    private static final byte[] PIXELS = bytes(0, 1, 2, 3, 128, 255, 254, 10, 20, 30, 40, 50);

    @Test
    void readsPlainUbyteImages() throws IOException {
        Path file = write("images-idx3-ubyte", idx(0x08, new int[] {3, 2, 2}, PIXELS), false);

        IdxArray a = IdxReader.read(file);

        assertEquals(IdxArray.Type.UBYTE, a.type());
        assertArrayEquals(new int[] {3, 2, 2}, a.shape());
        assertEquals(12, a.size());
        assertEquals(3, a.count());
        assertEquals(4, a.itemSize());
        float[] f = a.toFloats(1f / 255);
        assertEquals(12, f.length);
        assertEquals(0f, f[0]);
        assertEquals(128f / 255, f[4], 1e-7);
        assertEquals(1f, f[5], 1e-7);
        assertArrayEquals(new long[] {0, 1, 2, 3, 128, 255, 254, 10, 20, 30, 40, 50}, a.toLongs());
        assertArrayEquals(PIXELS, a.rawBytes());
    }

    @Test
    void gunzipsFilesNamedGz() throws IOException {
        Path file = write("labels-idx1-ubyte.gz", idx(0x08, new int[] {5}, bytes(9, 0, 3, 7, 1)), true);

        IdxArray a = IdxReader.read(file);

        assertArrayEquals(new int[] {5}, a.shape());
        assertArrayEquals(new long[] {9, 0, 3, 7, 1}, a.toLongs());
    }

    @Test
    void gunzipsByMagicWhateverTheName() throws IOException {
        Path file = write("images.idx", idx(0x08, new int[] {3, 2, 2}, PIXELS), true);

        assertArrayEquals(PIXELS, IdxReader.read(file).rawBytes());
    }

    @Test
    void readsFromAStream() throws IOException {
        byte[] gz = gzip(idx(0x08, new int[] {2}, bytes(4, 5)));

        IdxArray a = IdxReader.read(new ByteArrayInputStream(gz), "resource:labels");

        assertArrayEquals(new long[] {4, 5}, a.toLongs());
    }

    @Test
    void decodesSignedAndWideTypes() throws IOException {
        assertArrayEquals(new long[] {-1, 127, -128},
                read(0x09, new int[] {3}, bytes(0xFF, 0x7F, 0x80)).toLongs());

        ByteBuffer shorts = ByteBuffer.allocate(4).putShort((short) -2).putShort((short) 300);
        assertArrayEquals(new long[] {-2, 300}, read(0x0B, new int[] {2}, shorts.array()).toLongs());

        ByteBuffer ints = ByteBuffer.allocate(8).putInt(-70000).putInt(123456);
        IdxArray i = read(0x0C, new int[] {1, 2}, ints.array());
        assertArrayEquals(new long[] {-70000, 123456}, i.toLongs());
        assertArrayEquals(new float[] {-7f, 12.3456f}, i.toFloats(0.0001f), 1e-3f);

        ByteBuffer floats = ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-0.25f);
        assertArrayEquals(new float[] {3f, -0.5f}, read(0x0D, new int[] {2}, floats.array()).toFloats(2f));

        ByteBuffer doubles = ByteBuffer.allocate(8).putDouble(2.5);
        IdxArray d = read(0x0E, new int[] {1}, doubles.array());
        assertEquals(IdxArray.Type.DOUBLE, d.type());
        assertArrayEquals(new float[] {2.5f}, d.toFloats(1f));
    }

    @Test
    void toLongsRefusesFloatingPoint() throws IOException {
        IdxArray a = read(0x0D, new int[] {1}, ByteBuffer.allocate(4).putFloat(0.5f).array());

        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, a::toLongs);
        assertTrue(e.getMessage().contains("FLOAT"), e.getMessage());
    }

    @Test
    void returnsCopiesSoTheArrayStaysImmutable() throws IOException {
        IdxArray a = read(0x08, new int[] {3, 2, 2}, PIXELS);

        a.shape()[0] = 99;
        a.rawBytes()[0] = 99;

        assertArrayEquals(new int[] {3, 2, 2}, a.shape());
        assertEquals(0, a.rawBytes()[0]);
    }

    @Test
    void acceptsAnEmptyArray() throws IOException {
        IdxArray a = read(0x08, new int[] {0, 28, 28}, new byte[0]);

        assertEquals(0, a.count());
        assertEquals(784, a.itemSize());
        assertEquals(0, a.toFloats(1f).length);
    }

    @Test
    void rejectsBadMagic() throws IOException {
        byte[] content = idx(0x08, new int[] {2}, bytes(1, 2));
        content[0] = 0x01;
        Path file = write("bad-magic", content, false);

        assertFails(file, "bad IDX magic 0x01000801");
    }

    @Test
    void rejectsUnsupportedType() throws IOException {
        Path file = write("odd-type", idx(0x0A, new int[] {2}, bytes(1, 2)), false);

        assertFails(file, "unsupported IDX element type 0x0a");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        byte[] full = idx(0x08, new int[] {3, 2, 2}, PIXELS);
        Path file = write("short-idx3-ubyte", Arrays.copyOf(full, full.length - 5), false);

        assertFails(file, "truncated IDX data: shape [3, 2, 2] of UBYTE needs 12 bytes, only 7 present");
    }

    @Test
    void rejectsTruncatedDataInsideGzip() throws IOException {
        byte[] full = idx(0x08, new int[] {3, 2, 2}, PIXELS);
        Path file = write("short.gz", Arrays.copyOf(full, full.length - 1), true);

        assertFails(file, "truncated IDX data");
    }

    @Test
    void rejectsACutGzipStream() throws IOException {
        byte[] gz = gzip(idx(0x08, new int[] {3, 2, 2}, PIXELS));
        Path file = dir.resolve("cut.gz");
        Files.write(file, Arrays.copyOf(gz, gz.length / 2));

        assertFails(file, "truncated or corrupt gzip data");
    }

    @Test
    void rejectsAGzNameOverPlainContent() throws IOException {
        Path file = write("plain-named.gz", idx(0x08, new int[] {2}, bytes(1, 2)), false);

        assertFails(file, "Not in GZIP format");
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        byte[] full = idx(0x08, new int[] {2}, bytes(1, 2));
        Path file = write("trailing", Arrays.copyOf(full, full.length + 3), false);

        assertFails(file, "unexpected trailing bytes after the 2 data bytes");
    }

    @Test
    void rejectsBrokenHeaders() throws IOException {
        assertFails(write("empty", new byte[0], false), "too short for an IDX header (0 bytes)");
        assertFails(write("no-dims", bytes(0, 0, 8, 0), false), "zero dimensions");
        assertFails(write("cut-dims", bytes(0, 0, 8, 3, 0, 0, 0, 1), false),
                "truncated IDX header: expected 3 dimension sizes");
        assertFails(write("negative", idx(0x08, new int[] {-1}, new byte[0]), false),
                "IDX dimension 0 is negative (-1)");
        assertFails(write("huge", idx(0x0E, new int[] {1 << 20, 1 << 20}, new byte[0]), false),
                "too large");
    }

    @Test
    void aHeaderClaimingMoreThanThePlainFileHoldsIsRefusedBeforeAllocating() throws IOException {
        Path file = write("claims-1gib", idx(0x08, new int[] {1 << 15, 1 << 15}, bytes(1, 2, 3)), false);

        long allocated = allocatedDuring(() -> assertFails(file,
                "truncated IDX data: shape [32768, 32768] of UBYTE needs 1073741824 bytes, only 3 present"));

        assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes for a 3-byte payload");
    }

    @Test
    void aGzipFileClaimingMoreThanItCanInflateToIsRefusedBeforeAllocating() throws IOException {
        Path file = write("claims-1gib.gz", idx(0x08, new int[] {1 << 15, 1 << 15}, bytes(1, 2, 3)), true);

        long allocated = allocatedDuring(() -> assertFails(file, "more than a gzip file of"));

        assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes for a 3-byte payload");
    }

    @Test
    void aStreamOfUnknownSizeGrowsOnlyWithTheBytesThatArrive() {
        byte[] content = idx(0x08, new int[] {1 << 15, 1 << 15}, bytes(1, 2, 3));

        long allocated = allocatedDuring(() -> {
            IOException e = assertThrows(IOException.class,
                    () -> IdxReader.read(new ByteArrayInputStream(content), "resource:claims-1gib"));
            assertTrue(e.getMessage().contains("needs 1073741824 bytes, only 3 present"), e.getMessage());
        });

        assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes for a 3-byte payload");
    }

    /** Bytes this thread allocated while {@code action} ran. */
    private static long allocatedDuring(Runnable action) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    /** Runs only where scripts/fetch-data.sh has put Fashion-MNIST in place. */
    @Test
    void readsRealFashionMnist() throws IOException {
        Optional<Path> data = realDataDir("fashion-mnist");
        assumeTrue(data.isPresent(), "Fashion-MNIST not fetched; run scripts/fetch-data.sh");
        Path d = data.get();

        long start = System.nanoTime();
        IdxArray images = IdxReader.read(d.resolve("train-images-idx3-ubyte.gz"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        IdxArray labels = IdxReader.read(d.resolve("train-labels-idx1-ubyte.gz"));
        IdxArray testImages = IdxReader.read(d.resolve("t10k-images-idx3-ubyte.gz"));
        IdxArray testLabels = IdxReader.read(d.resolve("t10k-labels-idx1-ubyte.gz"));
        System.out.println("Fashion-MNIST train images read in " + millis + " ms");

        assertArrayEquals(new int[] {60000, 28, 28}, images.shape());
        assertArrayEquals(new int[] {60000}, labels.shape());
        assertArrayEquals(new int[] {10000, 28, 28}, testImages.shape());
        assertArrayEquals(new int[] {10000}, testLabels.shape());
        assertBalancedLabels(labels.toLongs(), 6000);
        assertBalancedLabels(testLabels.toLongs(), 1000);
        float[] pixels = images.toFloats(1f / 255);
        float max = 0;
        for (float p : pixels) {
            max = Math.max(max, p);
        }
        assertEquals(1f, max, 1e-6, "some pixel should be 255");
    }

    /**
     * The data directory holding {@code sub}: {@code $RAY_LIGHTNING_DATA}, else {@code data/} in the
     * working directory or a parent (Maven runs module tests from the module directory).
     */
    static Optional<Path> realDataDir(String sub) {
        String env = System.getenv("RAY_LIGHTNING_DATA");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env, sub);
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
            Path p = at.resolve("data").resolve(sub);
            if (Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static void assertBalancedLabels(long[] labels, int perClass) {
        int[] counts = new int[10];
        for (long l : labels) {
            assertTrue(l >= 0 && l <= 9, "label out of range: " + l);
            counts[(int) l]++;
        }
        int[] expected = new int[10];
        Arrays.fill(expected, perClass);
        assertArrayEquals(expected, counts);
    }

    private void assertFails(Path file, String expected) {
        IOException e = assertThrows(IOException.class, () -> IdxReader.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), "should name the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private IdxArray read(int type, int[] shape, byte[] payload) throws IOException {
        return IdxReader.read(write("t" + type, idx(type, shape, payload), false));
    }

    private Path write(String name, byte[] content, boolean gzipped) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, gzipped ? gzip(content) : content);
        return file;
    }

    /** An IDX file: magic 0x0000TTDD, big-endian dimension sizes, then the payload as given. */
    static byte[] idx(int type, int[] shape, byte[] payload) {
        ByteBuffer buf = ByteBuffer.allocate(4 + 4 * shape.length + payload.length);
        buf.put((byte) 0).put((byte) 0).put((byte) type).put((byte) shape.length);
        for (int d : shape) {
            buf.putInt(d);
        }
        return buf.put(payload).array();
    }

    static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
