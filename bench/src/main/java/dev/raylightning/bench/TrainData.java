package dev.raylightning.bench;

import dev.raylightning.core.data.HostTensor;
import dev.raylightning.core.data.IdxArray;
import dev.raylightning.core.data.IdxReader;
import dev.raylightning.core.data.TensorDataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The 60,000 Fashion-MNIST training images and labels, read once and shared by every run, so
 * the baseline and the trainer copy batches out of the very same Java arrays. Pixels are scaled
 * to [0, 1] and nothing else, like the example data module and the Python peer.
 */
public final class TrainData {

    /** Pixels per image (28 x 28). */
    public static final int PIXELS = 28 * 28;

    private final float[] pixels;
    private final long[] labels;

    private TrainData(float[] pixels, long[] labels) {
        this.pixels = pixels;
        this.labels = labels;
    }

    /**
     * Reads the training split from {@code dataDir}, which holds {@code fashion-mnist/} (the
     * layout {@code scripts/fetch-data.sh} creates); the dataset folder itself is accepted too.
     */
    public static TrainData load(Path dataDir) {
        Path dir = Files.isDirectory(dataDir.resolve("fashion-mnist")) ? dataDir.resolve("fashion-mnist") : dataDir;
        try {
            IdxArray images = IdxReader.read(dir.resolve("train-images-idx3-ubyte.gz"));
            IdxArray labels = IdxReader.read(dir.resolve("train-labels-idx1-ubyte.gz"));
            if (images.count() != labels.count() || images.itemSize() != PIXELS) {
                throw new IllegalStateException("unexpected Fashion-MNIST files in " + dir + ": " + images + ", " + labels);
            }
            return new TrainData(images.toFloats(1f / 255f), labels.toLongs());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read Fashion-MNIST from " + dir
                    + " (run scripts/fetch-data.sh): " + e.getMessage(), e);
        }
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** All pixels, image after image (not a copy: callers only read). */
    float[] pixels() {
        return pixels;
    }

    /** All labels (not a copy: callers only read). */
    long[] labels() {
        return labels;
    }

    /** The same arrays as a {@link TensorDataset} of {@code (1, 28, 28)} images, without copying. */
    public TensorDataset dataset() {
        return new TensorDataset(HostTensor.ofFloats(pixels, size(), 1, 28, 28), HostTensor.ofLongs(labels, size()));
    }
}
