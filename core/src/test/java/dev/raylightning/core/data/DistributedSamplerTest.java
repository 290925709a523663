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
}
