package dev.raylightning.strategies.horovod;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.raylightning.core.collective.tcp.RingOptions;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.strategies.launcher.RankMapping;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * HorovodWorkerStrategy's reduction of real gradient tensors over a real TCP ring (ranks as
 * threads), against plain-Java references of the formulas.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HorovodReduceTest {

    /** Each rank's gradients (tensors of the given sizes), reduced on every rank; results by rank. */
    private static List<List<float[]>> reduceOnRanks(float[][][] gradsByRank, Reduction reduction, long fusionBytes)
            throws Exception {
        int n = gradsByRank.length;
        List<TcpRingProcessGroup> groups = TcpRingProcessGroup.local(n, RingOptions.defaults());
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<List<float[]>>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (NDManager m = NDManager.newBaseManager()) {
                        HorovodWorkerStrategy s = new HorovodWorkerStrategy(new RankInfo(rank, rank, 0, n, n, 1),
                                groups.get(rank), HorovodOptions.defaults().withReduction(reduction)
                                        .withFusionThresholdBytes(fusionBytes));
                        List<NDArray> grads = new ArrayList<>();
                        for (float[] g : gradsByRank[rank]) {
                            grads.add(m.create(g));
                        }
                        s.reduceGradients(grads);
                        List<float[]> out = new ArrayList<>();
                        for (NDArray g : grads) {
                            out.add(g.toFloatArray());
                        }
                        return out;
                    }
                }));
            }
            List<List<float[]>> results = new ArrayList<>();
            for (Future<List<float[]>> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
            groups.forEach(TcpRingProcessGroup::close);
        }
    }

    /** The paper's pair rule in doubles. */
    private static double[] adasum(double[] a, double[] b) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        if (aa == 0) {
            return b;
        }
        if (bb == 0) {
            return a;
        }
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (1 - dot / (2 * aa)) * a[i] + (1 - dot / (2 * bb)) * b[i];
        }
        return out;
    }

    private static double[] reference(float[][][] byRank, int tensor) {
        List<double[]> level = new ArrayList<>();
        for (float[][] rank : byRank) {
            double[] v = new double[rank[tensor].length];
            for (int i = 0; i < v.length; i++) {
                v[i] = rank[tensor][i];
            }
            level.add(v);
        }
        while (level.size() > 1) {
            List<double[]> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                next.add(adasum(level.get(i), level.get(i + 1)));
            }
            level = next;
        }
        return level.get(0);
    }

    private static void assertAdasum(float[][][] byRank, long fusionBytes) throws Exception {
        List<List<float[]>> results = reduceOnRanks(byRank, Reduction.ADASUM, fusionBytes);
        for (int t = 0; t < byRank[0].length; t++) {
            double[] expected = reference(byRank, t);
            for (int r = 0; r < byRank.length; r++) {
                assertArrayEquals(results.get(0).get(t), results.get(r).get(t), "rank " + r + " differs from rank 0");
                for (int i = 0; i < expected.length; i++) {
                    double scale = Math.max(1e-6, Math.abs(expected[i]));
                    assertEquals(expected[i], results.get(r).get(t)[i], 1e-6 * scale + 1e-7,
                            "tensor " + t + " element " + i + " on rank " + r);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void adasumOfRandomGradientsEqualsTheFormula(int ranks) throws Exception {
        Random rng = new Random(ranks);
        float[][][] byRank = new float[ranks][3][];
        int[] sizes = {5, 1, 300};
        for (int r = 0; r < ranks; r++) {
            for (int t = 0; t < sizes.length; t++) {
                byRank[r][t] = new float[sizes[t]];
                for (int i = 0; i < sizes[t]; i++) {
                    byRank[r][t][i] = (float) rng.nextGaussian();
                }
            }
        }
        assertAdasum(byRank, 64L << 20); // all tensors in one fusion buffer
        assertAdasum(byRank, 16);        // each tensor alone
    }

    @Test
    void parallelGradientsAverageAndOrthogonalOnesAddOnFourRanks() throws Exception {
        float[][][] parallel = {{{2, 4}}, {{2, 4}}, {{2, 4}}, {{2, 4}}};
        assertArrayEquals(new float[] {2, 4}, reduceOnRanks(parallel, Reduction.ADASUM, 1 << 20).get(3).get(0));
        float[][][] orthogonal = {{{1, 0, 0, 0}}, {{0, 2, 0, 0}}, {{0, 0, 3, 0}}, {{0, 0, 0, 4}}};
        assertArrayEquals(new float[] {1, 2, 3, 4}, reduceOnRanks(orthogonal, Reduction.ADASUM, 1 << 20).get(1).get(0));
        assertAdasum(new float[][][] {{{1, 1}}, {{1, 1}}, {{3, 0}}, {{0, 0}}}, 1 << 20);
    }

    @Test
    void averageAndSumOverRanks() throws Exception {
        float[][][] byRank = {{{1, 2}, {3}}, {{3, 6}, {5}}};
        List<List<float[]>> avg = reduceOnRanks(byRank, Reduction.AVERAGE, 1 << 20);
        assertArrayEquals(new float[] {2, 4}, avg.get(1).get(0));
        assertArrayEquals(new float[] {4}, avg.get(0).get(1));
        List<List<float[]>> sum = reduceOnRanks(byRank, Reduction.SUM, 1 << 20);
        assertArrayEquals(new float[] {4, 8}, sum.get(0).get(0));
        assertArrayEquals(new float[] {8}, sum.get(1).get(1));
    }

    @Test
    void twoHostsOfTwoSlotsMapToLocalAndNodeRanks() {
        // workers 0,1 in host bundle 0 and 2,3 in host bundle 1 (worker i goes to bundle i / slots)
        List<RankInfo> ranks = RankMapping.fromNodeIds(List.of("node-a", "node-a", "node-b", "node-b"));
        assertEquals(List.of(0, 1, 0, 1), ranks.stream().map(RankInfo::localRank).toList());
        assertEquals(List.of(0, 0, 1, 1), ranks.stream().map(RankInfo::nodeRank).toList());
        assertTrue(ranks.stream().allMatch(r -> r.worldSize() == 4 && r.localWorldSize() == 2 && r.numNodes() == 2));
    }
}
