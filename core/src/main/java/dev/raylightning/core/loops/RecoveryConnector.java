package dev.raylightning.core.loops;

import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.strategy.DriverLink;

/**
 * A worker's part of fault tolerance. At clean points of the fit loop (a closed accumulation
 * window inside an epoch, after its validation; or between epochs) it takes a recovery snapshot
 * once {@code everyNSteps} optimizer steps have passed since the last, on rank zero (on every rank
 * when the strategy's checkpoint needs them all: a sharded one gathers its optimizer state), and
 * rank zero streams it to the driver. In a fit
 * restarted from a snapshot it holds rank zero's events back until the loop is where the snapshot
 * was taken, then restores the metric store and continues the event numbering. On a group smaller
 * than the strategy's full size (an elastic shrink) the ranks agree at each epoch boundary whether
 * the launcher asked for a larger group; if so the fit ends there with a snapshot of that point.
 */
final class RecoveryConnector {

    private final TrainerContext ctx;
    private long everyNSteps;
    private RecoverySnapshot resumeFrom;
    private long lastDeliveredSequence;
    private int lastWorldSize;
    private long lastSnapshotStep;
    /** The world size the strategy was built for; a smaller group may be asked to end for a larger one. */
    private int fullWorldSize;
    private DriverLink driver;
    private boolean endedToGrow;

    RecoveryConnector(TrainerContext ctx) {
        this.ctx = ctx;
    }

    /** Takes part in recovery as {@code plan} says (null: not at all); {@code driver} is rank zero's link. */
    void plan(RecoverySnapshot.Plan plan, DriverLink driver) {
        this.driver = driver;
        everyNSteps = plan == null ? 0 : plan.everyNSteps();
        fullWorldSize = plan == null ? 0 : plan.fullWorldSize();
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
        snapshot();
    }

    /**
     * At an epoch boundary, every rank: on a group smaller than the strategy's full size, whether
     * the ranks agree (rank zero's launcher asked) to end the fit here so that it continues on a
     * larger group; if so, the snapshot of this point is taken and the fit is to end without its
     * end hooks. One small reduction per epoch, and none on a full-size group.
     */
    boolean agreeToEndForLargerGroup() {
        if (fullWorldSize <= ctx.strategy.worldSize()) {
            return false;
        }
        boolean asked = ctx.strategy.isGlobalZero() && driver != null && driver.growRequested();
        if (ctx.strategy.reduce(new double[] {asked ? 1 : 0}, ReduceOp.MAX)[0] == 0) {
            return false;
        }
        snapshot();
        endedToGrow = true;
        return true;
    }

    /** Whether this rank's fit ended early, at an epoch boundary, to continue on a larger group. */
    boolean endedToGrow() {
        return endedToGrow;
    }

    private void snapshot() {
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
