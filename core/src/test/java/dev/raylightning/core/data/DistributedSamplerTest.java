package dev.raylightning.core.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class DistributedSamplerTest {

    @Test
    void padsLikeTorchWithoutShuffle() {
        // torch: 10 samples, 3 replicas -> total 12, indices 0..9,0,1; rank r takes r, r+3, ...
        assertArrayEquals(new int[] {0, 3, 6, 9}, new DistributedSampler(10, 3, 0, false, 0).indices());
        assertArrayEquals(new int[] {1, 4, 7, 0}, new DistributedSampler(10, 3, 1, false, 0).indices());
        assertArrayEquals(new int[] {2, 5, 8, 1}, new DistributedSampler(10, 3, 2, false, 0).indices());
    }

    @Test
    void dropLastCutsTheTail() {
        DistributedSampler s = new DistributedSampler(10, 3, 2, false, 0, true);
        assertEquals(3, s.length());
        assertArrayEquals(new int[] {2, 5, 8}, s.indices());
    }

    @Test
    void unevenNeitherPadsNorCuts() {
        // 10 samples over 3 ranks: 4, 3, 3, each sample once
        assertArrayEquals(new int[] {0, 3, 6, 9}, DistributedSampler.uneven(10, 3, 0, false, 0).indices());
        assertArrayEquals(new int[] {1, 4, 7}, DistributedSampler.uneven(10, 3, 1, false, 0).indices());
        assertArrayEquals(new int[] {2, 5, 8}, DistributedSampler.uneven(10, 3, 2, false, 0).indices());
        assertEquals(10, DistributedSampler.uneven(10, 3, 2, false, 0).totalSize());
        // fewer samples than ranks: the last ranks get none
        assertEquals(1, DistributedSampler.uneven(2, 4, 1, false, 0).length());
        assertEquals(0, DistributedSampler.uneven(2, 4, 3, false, 0).length());
        assertEquals(0, DistributedSampler.uneven(0, 4, 0, false, 0).indices().length);
        Set<Integer> all = new HashSet<>();
        for (int r = 0; r < 3; r++) {
            DistributedSampler s = DistributedSampler.uneven(50, 3, r, true, 7);
            s.setEpoch(2);
            assertEquals(r < 2 ? 17 : 16, s.length());
            Arrays.stream(s.indices()).forEach(all::add);
        }
        assertEquals(50, all.size(), "shuffled uneven shards cover the data once");
        assertFalse(DistributedSampler.uneven(10, 3, 0, false, 0).even());
        assertTrue(new DistributedSampler(10, 3, 0, false, 0).even());
    }

    @Test
    void shuffledShardsAreDisjointAndCoverTheData() {
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Integer> all = new HashSet<>();
            List<int[]> shards = new ArrayList<>();
            for (int r = 0; r < 4; r++) {
                DistributedSampler s = new DistributedSampler(100, 4, r, true, 11);
                s.setEpoch(epoch);
                int[] idx = s.indices();
                assertEquals(25, idx.length);
                shards.add(idx);
                Arrays.stream(idx).forEach(all::add);
            }
            assertEquals(100, all.size(), "epoch " + epoch);
            DistributedSampler again = new DistributedSampler(100, 4, 0, true, 11);
            again.setEpoch(epoch);
            assertArrayEquals(shards.get(0), again.indices(), "same seed and epoch give the same shard");
        }
        DistributedSampler e0 = new DistributedSampler(100, 4, 0, true, 11);
        DistributedSampler e1 = new DistributedSampler(100, 4, 0, true, 11);
        e1.setEpoch(1);
        assertFalse(Arrays.equals(e0.indices(), e1.indices()));
    }

    @Test
    void interleavingShardsReproducesTheGlobalOrder() {
        // the property DDP equivalence relies on: rank r's i-th sample is global position i*R + r
        DistributedSampler r0 = new DistributedSampler(12, 2, 0, true, 5);
        DistributedSampler r1 = new DistributedSampler(12, 2, 1, true, 5);
        DistributedSampler one = new DistributedSampler(12, 1, 0, true, 5);
        int[] global = one.indices();
        for (int i = 0; i < 6; i++) {
            assertEquals(global[2 * i], r0.indices()[i]);
            assertEquals(global[2 * i + 1], r1.indices()[i]);
        }
    }

    @Test
    void argumentsAreChecked() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(10, 0, 0, false, 0))
                .getMessage().contains("numReplicas"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(10, 2, 2, false, 0))
                .getMessage().contains("rank"));
    }

    /** Every rank's indices for one epoch, in rank order. */
    private static List<int[]> shards(int n, int replicas, int epoch, long skip, boolean uneven) {
        List<int[]> out = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
            DistributedSampler s = uneven ? DistributedSampler.uneven(n, replicas, r, true, 7)
                    : new DistributedSampler(n, replicas, r, true, 7);
            s.continueEpochAfter(1, skip);
            s.setEpoch(epoch);
            out.add(s.indices());
            assertEquals(s.indices().length, s.length());
        }
        return out;
    }

    @Test
    void aContinuedEpochShardsTheRestOfItsOrderAtAnotherWorldSize() {
        int n = 50;
        // 2 ranks took 3 batches of 4: the first 3 x 4 x 2 = 24 positions of epoch 1's order
        List<int[]> before = shards(n, 2, 1, 0, false);
        Set<Integer> seen = new HashSet<>();
        for (int[] rank : before) {
            for (int i = 0; i < 12; i++) {
                seen.add(rank[i]);
            }
        }
        int[] order = Shuffle.permutation(n, 7, 1);
        assertEquals(Set.copyOf(Arrays.stream(order, 0, 24).boxed().toList()), seen, "the order's head");
        // 3 ranks continue: the other 26 samples, padded to 27 by repeating the rest's head
        for (boolean uneven : new boolean[] {false, true}) {
            List<int[]> rest = shards(n, 3, 1, 24, uneven);
            List<Integer> after = new ArrayList<>();
            rest.forEach(r -> Arrays.stream(r).forEach(after::add));
            assertEquals(uneven ? 26 : 27, after.size());
            Set<Integer> all = new HashSet<>(seen);
            all.addAll(after);
            assertEquals(n, all.size(), "every sample of the epoch, before or after");
            assertTrue(after.stream().noneMatch(seen::contains), "nothing trained before is trained again");
            assertEquals(order[24], rest.get(0)[0], "rank 0 starts where the order was left");
            assertEquals(order[25], rest.get(1)[0]);
        }
        // other epochs are whole
        assertEquals(n, shards(n, 3, 2, 24, true).stream().mapToInt(r -> r.length).sum());
        assertEquals(n, shards(n, 3, 0, 24, true).stream().mapToInt(r -> r.length).sum());
        DistributedSampler s = new DistributedSampler(n, 3, 0, true, 7);
        assertThrows(IllegalArgumentException.class, () -> s.continueEpochAfter(1, n));
        assertThrows(IllegalArgumentException.class, () -> s.continueEpochAfter(1, -1));
    }
}
