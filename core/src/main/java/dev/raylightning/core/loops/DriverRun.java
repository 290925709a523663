package dev.raylightning.core.loops;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Prediction;
import dev.raylightning.core.RunRequest;
import dev.raylightning.core.RunResult;
import dev.raylightning.core.TrainerFn;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.strategy.Launcher;
import dev.raylightning.core.strategy.RecoveryPolicy;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The driver's side of a distributed call: ships the request through the strategy's launcher,
 * feeds rank zero's streamed progress to the driver's progress bar, loggers and callbacks, and
 * restores rank zero's result, so that afterwards the driver's module is the trained module. A fit
 * whose strategy has a {@link RecoveryPolicy} is launched again after a recoverable failure,
 * from rank zero's latest recovery snapshot ({@link DriverRecovery}).
 */
final class DriverRun {

    private final TrainerContext ctx;

    DriverRun(TrainerContext ctx) {
        this.ctx = ctx;
    }

    RunResult run(TrainerFn entry, LightningModule m, LightningDataModule data, Path checkpoint) {
        Launcher launcher = ctx.strategy.launcher().orElseThrow();
        LoopState state = ctx.state;
        state.begin(entry);
        ctx.module = m;
        ctx.seedIfConfigured();
        for (Callback cb : ctx.callbacks) {
            if (cb instanceof ModelCheckpoint mc) {
                // workers have no loggers: fix the directory here so they write where the driver's logger lives
                mc.resolveDirpath(ctx.logDir());
            }
        }
        RunRequest request = new RunRequest(entry, ctx.config, m, data, m.stateDict(),
                checkpoint == null ? null : checkpoint.toAbsolutePath().toString(),
                ctx.logDir().toAbsolutePath().toString());
        if (entry == TrainerFn.FITTING) {
            ctx.logging.logHyperparams(m);
        }
        DriverRecovery recovery = new DriverRecovery(entry == TrainerFn.FITTING ? ctx.strategy.recoveryPolicy()
                : RecoveryPolicy.NONE, ctx.progress::onRemote, ctx.strategy.worldSize());
        ctx.recoveredFailures = List.of();
        ctx.worldSizes = List.of(ctx.strategy.worldSize());
        try {
            List<WorkerTask.Outcome> outcomes = launch(launcher, request, recovery);
            RunResult result = merged(outcomes);
            if (outcomes.get(0).bestCheckpoint() != null) {
                outcomes.get(0).bestCheckpoint().restore();
            }
            restore(result, m);
            reportsToStrategy(outcomes);
            ctx.logging.finish(state.status == TrainerStatus.INTERRUPTED ? "interrupted" : "success");
            return result;
        } catch (RuntimeException | Error e) {
            state.status = TrainerStatus.INTERRUPTED;
            ctx.logging.finish("failed");
            throw e;
        } finally {
            state.stage = null;
            ctx.progress.notify(new ProgressEvent(ProgressEvent.Kind.RUN_END, state.currentEpoch, -1, 0,
                    ctx.config.maxEpochs(), state.globalStep, Double.NaN, Map.of()));
        }
    }

    /**
     * Launches until a launch completes the call or {@code recovery} gives up (by throwing); a
     * launch that ended to continue on a larger group is followed by one from where it ended.
     */
    private List<WorkerTask.Outcome> launch(Launcher launcher, RunRequest request, DriverRecovery recovery) {
        while (true) {
            try {
                List<WorkerTask.Outcome> outcomes = launcher.launch(new WorkerTask(request, recovery.plan()),
                        recovery::onEvent);
                if (outcomes.get(0).endedToGrow()) {
                    recovery.endedToGrow(outcomes.size());
                    continue;
                }
                recovery.trainedAt(outcomes.size());
                ctx.recoveredFailures = List.copyOf(recovery.failures());
                ctx.worldSizes = List.copyOf(recovery.worldSizes());
                return outcomes;
            } catch (RuntimeException e) {
                recovery.onFailure(e, launcher);
            }
        }
    }

    /** Rank zero's result; for predict, with every rank's predictions put back in dataset order. */
    private static RunResult merged(List<WorkerTask.Outcome> outcomes) {
        RunResult zero = outcomes.get(0).result();
        if (zero.fn() != TrainerFn.PREDICTING || outcomes.size() == 1) {
            return zero;
        }
        List<List<Prediction>> perRank = new ArrayList<>();
        for (WorkerTask.Outcome o : outcomes) {
            perRank.add(o.result().predictions());
        }
        return zero.withPredictions(PredictionMerge.merge(perRank));
    }

    /** Hands every rank's strategy report to the driver's strategy, by rank. */
    private void reportsToStrategy(List<WorkerTask.Outcome> outcomes) {
        List<Serializable> reports = new ArrayList<>();
        for (WorkerTask.Outcome o : outcomes) {
            reports.add(o.workerReport());
        }
        ctx.strategy.onWorkerReports(Collections.unmodifiableList(reports));
    }

    /** Adopts rank zero's result: weights, counters, metrics, callback states, status and stop reason. */
    private void restore(RunResult r, LightningModule m) {
        if (r.weights() != null) {
            m.loadStateDict(r.weights());
        }
        LoopState state = ctx.state;
        if (r.fn() == TrainerFn.FITTING) {
            state.currentEpoch = r.currentEpoch();
            state.globalStep = r.globalStep();
            state.stopReason = r.stopReason();
            state.shouldStop = r.stopReason() != null;
        }
        ctx.metrics.restore(r.callbackMetrics(), r.loggedMetrics(), r.progressBarMetrics());
        ctx.checkpoints.loadCallbackStates(r.callbackStates());
        state.status = r.status();
    }
}
