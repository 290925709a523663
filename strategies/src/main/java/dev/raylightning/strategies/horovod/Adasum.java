package dev.raylightning.strategies.horovod;

import java.nio.FloatBuffer;

/**
 * Adaptive summation over ranks' gradients, computed the same way on every rank so that all
 * end bit-identical: per tensor segment, rank r's vector is combined with rank r + 1's, those
 * results with the next pair's, and so on (recursive pairing over a power-of-two count), with
 * dot products and norms accumulated in double.
 */
final class Adasum {

    private Adasum() {}

    /**
     * Combines {@code ranks} vectors laid out one after another in {@code gathered} (each
     * {@code perRank} floats, segmented by {@code segments}) and writes the result to {@code out}.
     * {@code gathered} is overwritten with partial results.
     */
    static void combine(FloatBuffer gathered, int ranks, int perRank, int[] segments, FloatBuffer out) {
        if (Integer.bitCount(ranks) != 1) {
            throw new IllegalArgumentException("Adasum needs a power-of-two number of ranks, got " + ranks);
        }
        for (int distance = 1; distance < ranks; distance *= 2) {
            for (int left = 0; left < ranks; left += 2 * distance) {
                int a = left * perRank;
                int b = (left + distance) * perRank;
                int offset = 0;
                for (int len : segments) {
                    pair(gathered, a + offset, b + offset, len);
                    offset += len;
                }
            }
        }
        for (int i = 0; i < perRank; i++) {
            out.put(out.position() + i, gathered.get(gathered.position() + i));
        }
    }

    /** Writes adasum(x[a..a+len), x[b..b+len)) over x[a..a+len). */
    static void pair(FloatBuffer x, int a, int b, int len) {
        int base = x.position();
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < len; i++) {
            double va = x.get(base + a + i);
            double vb = x.get(base + b + i);
            dot += va * vb;
            aa += va * va;
            bb += vb * vb;
        }
        // a zero vector leaves the other as it is
        double ca = bb == 0 ? 1 : aa == 0 ? 0 : 1 - dot / (2 * aa);
        double cb = aa == 0 ? 1 : bb == 0 ? 0 : 1 - dot / (2 * bb);
        for (int i = 0; i < len; i++) {
            x.put(base + a + i, (float) (ca * x.get(base + a + i) + cb * x.get(base + b + i)));
        }
    }
}
