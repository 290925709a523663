package dev.raylightning.strategies.horovod;

import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;

import static org.junit.jupiter.api.Assertions.*;

/** Adasum's pair rule and its recursive pairing over ranks, against hand computations. */
class AdasumTest {

    private static float[] combine(int ranks, int[] segments, float[]... perRank) {
        int n = perRank[0].length;
        FloatBuffer all = FloatBuffer.allocate(ranks * n);
        for (float[] v : perRank) {
            all.put(v);
        }
        all.flip();
        FloatBuffer out = FloatBuffer.allocate(n);
        Adasum.combine(all, ranks, n, segments, out);
        return out.array();
    }

    @Test
    void parallelGradientsAreAveragedAndOrthogonalOnesAdded() {
        assertArrayEquals(new float[] {1, 2}, combine(2, new int[] {2}, new float[] {1, 2}, new float[] {1, 2}));
        assertArrayEquals(new float[] {3, 4}, combine(2, new int[] {2}, new float[] {3, 0}, new float[] {0, 4}));
        // a zero gradient leaves the other unchanged
        assertArrayEquals(new float[] {0, 5}, combine(2, new int[] {2}, new float[] {0, 0}, new float[] {0, 5}));
    }

    @Test
    void theGeneralPairRuleHolds() {
        float[] a = {1, 2, 3};
        float[] b = {-2, 0.5f, 4};
        double dot = 1 * -2 + 2 * 0.5 + 3 * 4;
        double aa = 1 + 4 + 9;
        double bb = 4 + 0.25 + 16;
        float[] got = combine(2, new int[] {3}, a, b);
        for (int i = 0; i < 3; i++) {
            double expected = (1 - dot / (2 * aa)) * a[i] + (1 - dot / (2 * bb)) * b[i];
            assertEquals(expected, got[i], 1e-6);
        }
    }

    @Test
    void eachTensorSegmentIsCombinedOnItsOwn() {
        // segment 1 parallel (averaged), segment 2 orthogonal (added)
        float[] got = combine(2, new int[] {2, 2}, new float[] {1, 1, 1, 0}, new float[] {1, 1, 0, 1});
        assertArrayEquals(new float[] {1, 1, 1, 1}, got);
    }

    @Test
    void fourRanksPairZeroWithOneAndTwoWithThreeThenThePairs() {
        float[] r0 = {1, 0};
        float[] r1 = {0, 1};
        float[] r2 = {2, 0};
        float[] r3 = {2, 0};
        // (r0, r1) orthogonal -> (1, 1); (r2, r3) parallel -> (2, 0); then adasum((1,1), (2,0))
        double dot = 2;
        double ca = 1 - dot / (2 * 2);
        double cb = 1 - dot / (2 * 4);
        float[] got = combine(4, new int[] {2}, r0, r1, r2, r3);
        assertEquals(ca * 1 + cb * 2, got[0], 1e-6);
        assertEquals(ca * 1 + cb * 0, got[1], 1e-6);
    }

    @Test
    void aCountThatIsNotAPowerOfTwoIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> combine(3, new int[] {1}, new float[] {1}, new float[] {1}, new float[] {1}));
        assertTrue(e.getMessage().contains("power-of-two"), e.getMessage());
    }
}
