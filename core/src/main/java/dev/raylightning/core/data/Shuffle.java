package dev.raylightning.core.data;

import java.util.SplittableRandom;

/** Seeded permutations, identical in every JVM for the same seed and epoch. */
final class Shuffle {

    private Shuffle() {}

    static int[] permutation(int n, long seed, int epoch) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }
}
