package dev.raylightning.core.testing;

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
}
