package dev.raylightning.tune.search;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.raylightning.tune.search.SearchSpace.*;
import static org.junit.jupiter.api.Assertions.*;

class DomainSamplingTest {

    private static final int N = 2_000;

    private static List<Object> draw(RandomDomain d, long seed) {
        Random rng = new Random(seed);
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            out.add(d.sample(rng));
        }
        return out;
    }

    private static double[] doubles(RandomDomain d) {
        List<Object> xs = draw(d, 7);
        double[] out = new double[xs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = assertInstanceOf(Double.class, xs.get(i)).doubleValue();
        }
        return out;
    }

    private static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.length;
    }

    private static boolean isMultiple(double x, double q) {
        double k = x / q;
        return Math.abs(k - Math.rint(k)) < 1e-9;
    }

    @Test
    void uniformStaysInRangeAndSpreadsEvenly() {
        double[] xs = doubles(uniform(-2, 3));
        int lowerHalf = 0;
        for (double x : xs) {
            assertTrue(x >= -2 && x < 3, "out of [-2, 3): " + x);
            if (x < 0.5) {
                lowerHalf++;
            }
        }
        assertEquals(0.5, mean(xs), 0.15);
        assertEquals(N / 2.0, lowerHalf, N * 0.05);
    }

    @Test
    void loguniformPutsHalfTheSamplesBelowTheGeometricMean() {
        double lo = 1e-4;
        double hi = 1e-1;
        double[] xs = doubles(loguniform(lo, hi));
        double geometricMean = Math.sqrt(lo * hi);
        int below = 0;
        int firstDecade = 0;
        for (double x : xs) {
            assertTrue(x >= lo && x <= hi, "out of bounds: " + x);
            below += x < geometricMean ? 1 : 0;
            firstDecade += x < 1e-3 ? 1 : 0;
        }
        assertEquals(N / 2.0, below, N * 0.05, "log-uniform: half below the geometric mean");
        // Three decades, each a third of the samples; a plain uniform would put 0.9% in the first.
        assertEquals(N / 3.0, firstDecade, N * 0.05);
    }

    @Test
    void quniformGivesMultiplesOfQWithinBounds() {
        double[] xs = doubles(quniform(0, 1, 0.1));
        Set<Double> seen = new HashSet<>();
        for (double x : xs) {
            assertTrue(x >= 0 && x <= 1, "out of bounds: " + x);
            assertTrue(isMultiple(x, 0.1), "not a multiple of 0.1: " + x);
            seen.add(x);
        }
        // All 11 values 0.0, 0.1, ..., 1.0 appear, printed without binary noise (0.3, not 0.30000000000000004).
        assertEquals(11, seen.size(), seen.toString());
        assertTrue(seen.contains(0.3) && seen.contains(0.7) && seen.contains(1.0), seen.toString());
    }

    @Test
    void quniformWithNegativeBoundsAndCoarseStep() {
        double[] xs = doubles(quniform(-10, 10, 5));
        Set<Double> seen = new HashSet<>();
        for (double x : xs) {
            seen.add(x);
        }
        assertEquals(Set.of(-10.0, -5.0, 0.0, 5.0, 10.0), seen);
    }

    @Test
    void qloguniformIsLogShapedAndQuantized() {
        double[] xs = doubles(qloguniform(1, 1000, 1));
        int belowGeometricMean = 0;
        for (double x : xs) {
            assertTrue(x >= 1 && x <= 1000, "out of bounds: " + x);
            assertEquals(Math.rint(x), x, "not a whole number: " + x);
            belowGeometricMean += x < Math.sqrt(1000) ? 1 : 0;
        }
        assertEquals(N / 2.0, belowGeometricMean, N * 0.05);
    }

    @Test
    void randintNeverReachesItsUpperBoundAndCoversTheRest() {
        Set<Object> seen = new HashSet<>(draw(randint(3, 8), 1));
        assertEquals(Set.of(3L, 4L, 5L, 6L, 7L), seen, "upper bound 8 is excluded, every other value appears");
    }

    @Test
    void randintOfOneValueAndOfTheWholeLongRange() {
        assertEquals(Set.of(5L), new HashSet<>(draw(randint(5, 6), 2)));
        for (Object x : draw(randint(Long.MIN_VALUE, Long.MAX_VALUE), 3)) {
            assertNotEquals(Long.MAX_VALUE, x);
        }
    }

    @Test
    void qrandintIncludesItsUpperBoundAndGivesOnlyMultiples() {
        Map<Object, Integer> counts = new HashMap<>();
        for (Object x : draw(qrandint(0, 100, 25), 4)) {
            counts.merge(x, 1, Integer::sum);
        }
        assertEquals(Set.of(0L, 25L, 50L, 75L, 100L), counts.keySet());
        for (int c : counts.values()) {
            assertEquals(N / 5.0, c, N * 0.05, "each multiple equally likely: " + counts);
        }
    }

    @Test
    void qrandintWithBoundsThatAreNotMultiplesStaysInside() {
        assertEquals(Set.of(4L, 8L), new HashSet<>(draw(qrandint(1, 10, 4), 5)));
        assertEquals(Set.of(-21L, -18L, -15L, -12L, -9L, -6L, -3L, 0L, 3L, 6L, 9L, 12L),
                new HashSet<>(draw(qrandint(-21, 12, 3), 6)));
    }

    @Test
    void randnHasItsMeanAndSpread() {
        double[] xs = doubles(randn(10, 2));
        double m = mean(xs);
        double var = 0;
        int withinOneSd = 0;
        for (double x : xs) {
            var += (x - m) * (x - m);
            withinOneSd += Math.abs(x - 10) < 2 ? 1 : 0;
        }
        assertEquals(10, m, 0.2);
        assertEquals(2, Math.sqrt(var / xs.length), 0.2);
        assertEquals(0.683 * N, withinOneSd, N * 0.05);
    }

    @Test
    void choiceCoversEveryOptionAndKeepsTheirTypes() {
        Map<Object, Integer> counts = new HashMap<>();
        for (Object x : draw(choice(1, 2L, 3.5, "relu", true, List.of(1, 2)), 8)) {
            counts.merge(x, 1, Integer::sum);
        }
        assertEquals(Set.of(1, 2L, 3.5, "relu", true, List.of(1, 2)), counts.keySet());
        assertTrue(counts.containsKey(1) && !counts.containsKey(1L), "Integer options stay Integer");
        for (int c : counts.values()) {
            assertEquals(N / 6.0, c, N * 0.05, "options equally likely: " + counts);
        }
    }

    @Test
    void choiceOfAListIsAChoiceOfItsElements() {
        assertEquals(Set.of("a", "b"), new HashSet<>(draw(choice(List.of("a", "b")), 9)));
    }

    @Test
    void sameRandomGivesSameSamples() {
        RandomDomain d = loguniform(1e-5, 1);
        assertEquals(draw(d, 11), draw(d, 11));
        assertNotEquals(draw(d, 11), draw(d, 12));
    }
}
