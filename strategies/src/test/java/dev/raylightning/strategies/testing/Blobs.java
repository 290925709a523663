package dev.raylightning.strategies.testing;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.HostTensor;
import dev.raylightning.core.data.TensorDataset;

import java.util.SplittableRandom;

/** Synthetic classification data: Gaussian blobs around class centres. */
public final class Blobs {

    public static final int FEATURES = 8;
    public static final int CLASSES = 4;

    private Blobs() {}

    /** {@code n} samples, deterministic for a seed; well separated so a small MLP learns them. */
    public static TensorDataset dataset(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * FEATURES];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(CLASSES);
            y[i] = c;
            for (int f = 0; f < FEATURES; f++) {
                float centre = (f % CLASSES == c) ? 2.5f : 0f;
                x[i * FEATURES + f] = centre + (float) (r.nextGaussian() * 0.8);
            }
        }
        return new TensorDataset(HostTensor.ofFloats(x, n, FEATURES), HostTensor.ofLongs(y, n));
    }

    /** Train (shuffled, seed 7), validation, test and predict loaders. */
    public static LightningDataModule dataModule(int trainSize, int valSize, int batch) {
        DataLoader train = DataLoader.builder(dataset(trainSize, 1)).batchSize(batch).shuffle(true).seed(7).build();
        DataLoader val = DataLoader.builder(dataset(valSize, 2)).batchSize(batch).build();
        DataLoader test = DataLoader.builder(dataset(valSize, 3)).batchSize(batch).build();
        return LightningDataModule.of(train, val, test, test);
    }
}
