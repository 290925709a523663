package dev.raylightning.core.loops;

import dev.raylightning.core.checkpoint.Checkpoint;

/**
 * A worker's part of fault tolerance. At clean points of the fit loop (a closed accumulation
 * window inside an epoch, after its validation; or between epochs) it takes a recovery snapshot
 * once {@code everyNSteps} optimizer steps have passed since the last, on rank zero (on every rank
 * when the strategy's checkpoint needs them all: a sharded one gathers its optimizer state), and
 * rank zero streams it to the driver. In a fit
 * restarted from a snapshot it holds rank zero's events back until the loop is where the snapshot
 * was taken, then restores the metric store and continues the event numbering.
 */
final class RecoveryConnector {

    private final TrainerContext ctx;
    private long everyNSteps;
    private RecoverySnapshot resumeFrom;
    private long lastDeliveredSequence;
    private int lastWorldSize;
    private long lastSnapshotStep;

    RecoveryConnector(TrainerContext ctx) {
        this.ctx = ctx;
    }

    /** Takes part in recovery as {@code plan} says (null: not at all). */
    void plan(RecoverySnapshot.Plan plan) {
        everyNSteps = plan == null ? 0 : plan.everyNSteps();
        resumeFrom = plan == null ? null : plan.resumeFrom();
        lastDeliveredSequence = plan == null ? -1 : plan.lastDeliveredSequence();
        lastWorldSize = plan == null ? 0 : plan.lastWorldSize();
        ctx.progress.numberEvents(plan != null, resumeFrom != null);
        if (resumeFrom == null && resized()) {
            ctx.progress.continueNumbering(lastDeliveredSequence + 1); // a restart from the start, but no replay
        }
    }

    /** The snapshot this fit restarts from, if any. */
    RecoverySnapshot resumeFrom() {
        return resumeFrom;
    }

    /**
     * Whether this fit restarts at another world size than the lost one trained at (an elastic
     * strategy continued with fewer workers): its data shards differ, so it starts the
     * snapshot's epoch (or the fit) over and is no replay of the lost fit.
     */
    boolean resized() {
        int before = resumeFrom != null ? resumeFrom.worldSize() : lastWorldSize;
        return before > 0 && before != ctx.strategy.worldSize();
    }

    /** Called when the fit starts at its first (or restored) position. */
    void fitStarted() {
        lastSnapshotStep = ctx.state.globalStep;
        if (resumeFrom != null) {
            ctx.state.shouldStop = resumeFrom.shouldStop();
            ctx.state.stopReason = resumeFrom.stopReason();
        }
    }

    /**
     * The loop is where the snapshot this fit restarts from was taken: from here on it runs as the
     * lost fit did, event for event.
     */
    void reachedResumePoint() {
        if (resumeFrom == null) {
            return;
        }
        ctx.metrics.loadState(resumeFrom.metrics());
        ctx.progress.continueNumbering(resized() ? lastDeliveredSequence + 1 : resumeFrom.nextEventSequence());
        resumeFrom = null;
    }

    /** A clean point of the fit loop: a snapshot is taken here if one is due. */
    void atCleanPoint() {
        if (everyNSteps <= 0 || ctx.state.globalStep < lastSnapshotStep + everyNSteps) {
            return;
        }
        lastSnapshotStep = ctx.state.globalStep;
        if (!ctx.strategy.isGlobalZero() && !ctx.strategy.checkpointNeedsEveryRank()) {
            return; // only rank zero's snapshot is kept
        }
        Checkpoint checkpoint = ctx.checkpoints.build();
        if (ctx.strategy.isGlobalZero()) {
            ctx.progress.sendSnapshot(new RecoverySnapshot(checkpoint, ctx.metrics.saveState(), ctx.state.shouldStop,
                    ctx.state.stopReason, ctx.progress.nextSequence(), ctx.strategy.worldSize()));
        }
    }
}
