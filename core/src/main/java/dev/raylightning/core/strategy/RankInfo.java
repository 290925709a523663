package dev.raylightning.core.strategy;

import static dev.raylightning.core.util.Checks.checkArgument;

import java.io.Serializable;

/** Where one worker stands: its global, local and node rank, and the sizes around it. */
public record RankInfo(int globalRank, int localRank, int nodeRank, int worldSize, int localWorldSize, int numNodes)
        implements Serializable {

    public RankInfo {
        checkArgument(globalRank >= 0 && globalRank < worldSize, "globalRank %s outside world of %s", globalRank,
                worldSize);
        checkArgument(localRank >= 0 && localRank < localWorldSize, "localRank %s outside node of %s", localRank,
                localWorldSize);
        checkArgument(nodeRank >= 0 && nodeRank < numNodes, "nodeRank %s outside %s nodes", nodeRank, numNodes);
    }
}
