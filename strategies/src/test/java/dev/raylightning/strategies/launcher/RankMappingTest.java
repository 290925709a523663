package dev.raylightning.strategies.launcher;

import dev.raylightning.core.strategy.RankInfo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RankMappingTest {

    @Test
    void singleNode() {
        List<RankInfo> r = RankMapping.fromNodeIds(List.of("a", "a", "a"));
        for (int i = 0; i < 3; i++) {
            assertEquals(new RankInfo(i, i, 0, 3, 3, 1), r.get(i));
        }
    }

    @Test
    void workersSpreadOverNodesInterleaved() {
        // actors may land in any order; node ranks follow the first appearance of each node
        List<RankInfo> r = RankMapping.fromNodeIds(List.of("n2", "n1", "n2", "n3", "n1"));
        assertEquals(new RankInfo(0, 0, 0, 5, 2, 3), r.get(0));
        assertEquals(new RankInfo(1, 0, 1, 5, 2, 3), r.get(1));
        assertEquals(new RankInfo(2, 1, 0, 5, 2, 3), r.get(2));
        assertEquals(new RankInfo(3, 0, 2, 5, 1, 3), r.get(3));
        assertEquals(new RankInfo(4, 1, 1, 5, 2, 3), r.get(4));
    }

    @Test
    void missingNodeIdIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> RankMapping.fromNodeIds(java.util.Arrays.asList("a", null)));
    }
}
