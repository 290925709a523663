package dev.raylightning.core.loops;

import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.metrics.MetricStore;

import java.io.Serializable;

/**
 * Rank zero's state at a step boundary of a fit, held by the driver: enough for a fit restarted on
 * new workers to continue exactly where this one was. Beyond the checkpoint (weights, optimizer
 * state, loop position, callback states) it holds what a checkpoint file leaves out: the metric
 * store (the open epoch's aggregates), an agreed stop, and the number of the next progress event,
 * so the restarted stream continues the old one's numbering, and the world size it was taken at.
 */
record RecoverySnapshot(Checkpoint checkpoint, MetricStore.State metrics, boolean shouldStop, String stopReason,
        long nextEventSequence, int worldSize) implements Serializable {

    /**
     * How a worker's fit takes part in recovery: the snapshot interval, the snapshot to restart
     * from (if any), the last event number the driver passed on (a restart at another world
     * size is not a replay: its events are numbered after it), the world size the fit last
     * trained at (0 before its first launch), and the one the strategy was built for (a smaller,
     * elastic group checks at each epoch boundary whether the launcher asks for a larger one).
     */
    record Plan(long everyNSteps, RecoverySnapshot resumeFrom, long lastDeliveredSequence, int lastWorldSize,
            int fullWorldSize) implements Serializable {}
}
