package dev.raylightning.core.loops;

import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.metrics.MetricStore;

import java.io.Serializable;

/**
 * Rank zero's state at a step boundary of a fit, held by the driver: enough for a fit restarted on
 * new workers to continue exactly where this one was. Beyond the checkpoint (weights, optimizer
 * state, loop position, callback states) it holds what a checkpoint file leaves out: the metric
 * store (the open epoch's aggregates), an agreed stop, and the number of the next progress event,
 * so the restarted stream continues the old one's numbering.
 */
record RecoverySnapshot(Checkpoint checkpoint, MetricStore.State metrics, boolean shouldStop, String stopReason,
        long nextEventSequence) implements Serializable {

    /** How a worker's fit takes part in recovery: the snapshot interval, and the snapshot to restart from, if any. */
    record Plan(long everyNSteps, RecoverySnapshot resumeFrom) implements Serializable {}
}
