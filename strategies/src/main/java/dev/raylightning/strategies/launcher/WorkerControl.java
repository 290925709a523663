package dev.raylightning.strategies.launcher;

import dev.raylightning.core.strategy.RankInfo;

import java.io.Serializable;

/**
 * The per-rank part of a launch, sent with {@link RayWorker#run}: where the rank stands, how long
 * its collectives wait for a peer, and the launch's group id (a stray connection from an earlier
 * launch carries another id and is refused).
 */
record WorkerControl(RankInfo rank, long collectiveTimeoutMillis, long groupId) implements Serializable {}
