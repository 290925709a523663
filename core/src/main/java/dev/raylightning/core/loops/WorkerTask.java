package dev.raylightning.core.loops;

import dev.raylightning.core.RunRequest;
import dev.raylightning.core.RunResult;
import dev.raylightning.core.progress.ProgressListener;
import dev.raylightning.core.strategy.RankTask;
import dev.raylightning.core.strategy.Strategy;

import java.io.Serializable;

/**
 * The trainer's part of a launch: one rank runs the shipped request (in a recoverable fit, as the
 * recovery plan says: taking snapshots, or restarting from one); rank zero adds its best
 * checkpoint, and every rank its strategy's {@link Strategy#workerReport()}.
 */
record WorkerTask(RunRequest request, RecoverySnapshot.Plan recoveryPlan) implements RankTask<WorkerTask.Outcome> {

    /** One rank's result, on global rank zero the bytes of its best checkpoint, and its strategy's report. */
    record Outcome(RunResult result, BestCheckpoint bestCheckpoint, Serializable workerReport)
            implements Serializable {}

    @Override
    public Outcome run(Strategy rankStrategy, ProgressListener toDriver) {
        RunResult result = TrainerContext.runWorker(request, rankStrategy, toDriver, recoveryPlan);
        return new Outcome(result, rankStrategy.isGlobalZero() ? BestCheckpoint.read(result) : null,
                rankStrategy.workerReport());
    }
}
