package dev.raylightning.core.loops;

import dev.raylightning.core.RunRequest;
import dev.raylightning.core.RunResult;
import dev.raylightning.core.strategy.DriverLink;
import dev.raylightning.core.strategy.RankTask;
import dev.raylightning.core.strategy.Strategy;

import java.io.Serializable;

/**
 * The trainer's part of a launch: one rank runs the shipped request (in a recoverable fit, as the
 * recovery plan says: taking snapshots, or restarting from one); rank zero adds its best
 * checkpoint, and every rank its strategy's {@link Strategy#workerReport()}. A fit on a shrunk
 * elastic group may end early, at an epoch boundary, when the launcher asks for a larger group.
 */
record WorkerTask(RunRequest request, RecoverySnapshot.Plan recoveryPlan) implements RankTask<WorkerTask.Outcome> {

    /**
     * One rank's result, on global rank zero the bytes of its best checkpoint, its strategy's
     * report, and whether the fit ended early to continue on a larger group (its last recovery
     * snapshot is where it stopped).
     */
    record Outcome(RunResult result, BestCheckpoint bestCheckpoint, Serializable workerReport, boolean endedToGrow)
            implements Serializable {}

    @Override
    public Outcome run(Strategy rankStrategy, DriverLink toDriver) {
        TrainerContext ctx = TrainerContext.worker(request, rankStrategy, toDriver, recoveryPlan);
        RunResult result = ctx.runShipped(request);
        boolean endedToGrow = ctx.recovery.endedToGrow();
        return new Outcome(result, rankStrategy.isGlobalZero() && !endedToGrow ? BestCheckpoint.read(result) : null,
                rankStrategy.workerReport(), endedToGrow);
    }
}
