package dev.raylightning.core.loops;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Prediction;
import dev.raylightning.core.RunResult;
import dev.raylightning.core.RunningStage;
import dev.raylightning.core.TrainerFn;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.data.DataLoader;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One trainer call run in this process: the whole call of a single-device trainer, or one rank's
 * part of a distributed one. Sets up strategy, module, data and callbacks, runs the entry
 * point's loop, and tears everything down on every path.
 */
final class LocalRun {

    private final TrainerContext ctx;

    LocalRun(TrainerContext ctx) {
        this.ctx = ctx;
    }

    RunResult run(TrainerFn entry, LightningModule m, LightningDataModule data, Path checkpoint) {
        LoopState state = ctx.state;
        state.begin(entry);
        if (ctx.module != m) {
            ctx.lastOptimizerState = null;
        }
        ctx.module = m;
        ctx.metrics.reset();
        List<Map<String, Double>> evalResults = List.of();
        List<Prediction> predictions = List.of();
        boolean setUp = false;
        try {
            ctx.strategy.setup();
            ctx.seedIfConfigured();
            m.attach(ctx);
            data.attach(ctx);
            m.block();
            if (ctx.strategy.localRank() == 0) {
                data.prepareData();
            }
            ctx.strategy.barrier("prepare_data");
            data.setup(entry.stage());
            setUp = true;
            ctx.hooks.call(cb -> cb.setup(ctx, m, entry), () -> m.setup(entry));
            switch (entry) {
                case FITTING -> new FitLoop(ctx).run(data, checkpoint);
                case VALIDATING -> evalResults = List.of(new EvaluationLoop(ctx).run(RunningStage.VALIDATING,
                        loader(data::valDataloader, "validation", "valDataloader"), ctx.config.limitValBatches()));
                case TESTING -> evalResults = List.of(new EvaluationLoop(ctx).run(RunningStage.TESTING,
                        loader(data::testDataloader, "test", "testDataloader"), ctx.config.limitTestBatches()));
                case PREDICTING -> predictions = new PredictionLoop(ctx).run(
                        loader(data::predictDataloader, "predict", "predictDataloader"));
                default -> throw new IllegalStateException("unknown entry point " + entry);
            }
            if (state.status == TrainerStatus.RUNNING) {
                state.status = TrainerStatus.FINISHED;
            }
            ctx.logging.finish(state.status == TrainerStatus.INTERRUPTED ? "interrupted" : "success");
        } catch (RuntimeException | Error e) {
            state.status = TrainerStatus.INTERRUPTED;
            ctx.hooks.onException(cb -> cb.onException(ctx, m, e), e);
            ctx.logging.finish("failed");
            throw e;
        } finally {
            if (entry == TrainerFn.FITTING) {
                ctx.progress.emit(ProgressEvent.Kind.RUN_END, -1, Double.NaN, Map.of());
            }
            state.stage = null;
            state.inTrainEpoch = false;
            if (ctx.optimizer != null) {
                // a fit that ended early keeps this rank's state (a finished one exported it already)
                ctx.lastOptimizerState = ctx.optimizer.exportState();
                ctx.optimizer.close();
                ctx.optimizer = null;
            }
            if (setUp) {
                ctx.hooks.call(cb -> cb.teardown(ctx, m, entry), () -> m.teardown(entry));
                data.teardown(entry.stage());
            }
            m.attach(null);
            data.attach(null);
            ctx.strategy.teardown();
        }
        return result(entry, m, evalResults, predictions);
    }

    private static DataLoader loader(Supplier<Optional<DataLoader>> source, String what, String method) {
        return source.get().orElseThrow(() -> new IllegalArgumentException(
                "no " + what + " data: the data module's " + method + "() is empty"));
    }

    private RunResult result(TrainerFn entry, LightningModule m, List<Map<String, Double>> evalResults,
            List<Prediction> predictions) {
        Map<String, Map<String, Object>> states = ctx.checkpoints.callbackStates();
        LoopState s = ctx.state;
        return new RunResult(entry, ctx.strategy.isGlobalZero() ? m.stateDict() : null, s.currentEpoch, s.globalStep,
                new LinkedHashMap<>(ctx.metrics.callbackMetrics()), new LinkedHashMap<>(ctx.metrics.loggedMetrics()),
                new LinkedHashMap<>(ctx.metrics.progressBarMetrics()), states, evalResults, predictions, s.status,
                s.stopReason);
    }
}
