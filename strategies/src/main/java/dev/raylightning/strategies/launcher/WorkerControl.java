package dev.raylightning.strategies.launcher;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.strategy.RankInfo;

import java.io.Serializable;

/**
 * The per-rank part of a launch, sent with {@link RayWorker#run}: where the rank stands, how long
 * its collectives wait for a peer, and the launch's secret: made by the driver for this launch
 * only, it lets a rank prove to its ring neighbour that it belongs to the launch (a connection
 * without it, from an earlier launch or anyone else, is refused) and names the shared-memory files.
 */
record WorkerControl(RankInfo rank, long collectiveTimeoutMillis, GroupSecret secret) implements Serializable {}
