package dev.raylightning.strategies.launcher;

import java.io.Serializable;

/** Where one worker stands: its global, local and node rank, and the sizes around it. */
public record RankInfo(int globalRank, int localRank, int nodeRank, int worldSize, int localWorldSize, int numNodes)
        implements Serializable {

    public RankInfo {
        if (globalRank < 0 || globalRank >= worldSize) {
            throw new IllegalArgumentException("globalRank " + globalRank + " outside world of " + worldSize);
        }
        if (localRank < 0 || localRank >= localWorldSize) {
            throw new IllegalArgumentException("localRank " + localRank + " outside node of " + localWorldSize);
        }
        if (nodeRank < 0 || nodeRank >= numNodes) {
            throw new IllegalArgumentException("nodeRank " + nodeRank + " outside " + numNodes + " nodes");
        }
    }
}
