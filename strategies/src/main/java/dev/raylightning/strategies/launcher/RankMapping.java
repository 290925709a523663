package dev.raylightning.strategies.launcher;

import dev.raylightning.core.strategy.RankInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assigns ranks from the nodes the workers landed on. Global rank is the worker's index; nodes
 * are numbered in the order their first worker appears (so the node holding global rank zero
 * is node zero); local rank counts the workers before it on the same node.
 */
public final class RankMapping {

    private RankMapping() {}

    /** One {@link RankInfo} per worker, given each worker's node id in worker order. */
    public static List<RankInfo> fromNodeIds(List<String> nodeIds) {
        Map<String, Integer> nodeRank = new LinkedHashMap<>();
        Map<String, Integer> perNode = new LinkedHashMap<>();
        for (String id : nodeIds) {
            if (id == null || id.isEmpty()) {
                throw new IllegalArgumentException("worker without a node id in " + nodeIds);
            }
            nodeRank.putIfAbsent(id, nodeRank.size());
            perNode.merge(id, 1, Integer::sum);
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        List<RankInfo> out = new ArrayList<>(nodeIds.size());
        for (int g = 0; g < nodeIds.size(); g++) {
            String id = nodeIds.get(g);
            int local = seen.merge(id, 1, Integer::sum) - 1;
            out.add(new RankInfo(g, local, nodeRank.get(id), nodeIds.size(), perNode.get(id), nodeRank.size()));
        }
        return out;
    }
}
