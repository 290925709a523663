package dev.raylightning.core.loops;

import ai.djl.ndarray.NDManager;
import dev.raylightning.core.BatchLimit;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.RunningStage;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.HostBatch;
import dev.raylightning.core.metrics.MetricStore;

import java.util.Map;

/**
 * Lightning's evaluation loop: validation (inside fit, or alone), the sanity check, or test. It
 * sets the training epoch's metrics aside and brings them back afterwards, so a validation in
 * the middle of an epoch leaves the epoch's aggregates alone.
 */
final class EvaluationLoop {

    private final TrainerContext ctx;

    EvaluationLoop(TrainerContext ctx) {
        this.ctx = ctx;
    }

    /** Runs at most {@code limit} batches of {@code rawLoader}; returns the epoch-level logged row. */
    Map<String, Double> run(RunningStage evalStage, DataLoader rawLoader, BatchLimit limit) {
        LightningModule m = ctx.module;
        LoopState state = ctx.state;
        DataLoader loader = ctx.distribute(rawLoader);
        RunningStage previous = state.stage;
        state.stage = evalStage;
        boolean sanity = evalStage == RunningStage.SANITY_CHECKING;
        boolean testing = evalStage == RunningStage.TESTING;
        MetricStore.Snapshot trainEpoch = ctx.metrics.suspendEpoch();
        ctx.metrics.beginEpoch(false);
        if (testing) {
            ctx.hooks.call(cb -> cb.onTestStart(ctx, m), m::onTestStart);
            ctx.hooks.call(cb -> cb.onTestEpochStart(ctx, m), m::onTestEpochStart);
        } else {
            ctx.hooks.call(cb -> cb.onValidationStart(ctx, m), m::onValidationStart);
            ctx.hooks.call(cb -> cb.onValidationEpochStart(ctx, m), m::onValidationEpochStart);
        }
        int n = limit.resolve(loader.numBatches());
        try (DataLoader.BatchIterator it = loader.iterator(0)) {
            for (int idx = 0; idx < n && it.hasNext(); idx++) {
                step(m, it.next(), idx, testing);
            }
        }
        Map<String, Double> row = ctx.metrics.endEpoch();
        if (!sanity) {
            ctx.logging.logRow(row);
        }
        if (testing) {
            ctx.hooks.call(cb -> cb.onTestEpochEnd(ctx, m), m::onTestEpochEnd);
            ctx.hooks.call(cb -> cb.onTestEnd(ctx, m), m::onTestEnd);
        } else {
            ctx.hooks.call(cb -> cb.onValidationEpochEnd(ctx, m), m::onValidationEpochEnd);
            ctx.hooks.call(cb -> cb.onValidationEnd(ctx, m), m::onValidationEnd);
            if (!sanity && state.fitting()) {
                ctx.progress.emit(ProgressEvent.Kind.VALIDATION_END, -1, Double.NaN, ctx.metrics.progressBarMetrics());
            }
        }
        ctx.metrics.resumeEpoch(trainEpoch);
        state.stage = previous;
        return row;
    }

    private void step(LightningModule m, HostBatch host, int idx, boolean testing) {
        try (NDManager stepManager = m.manager().newSubManager()) {
            Batch batch = host.toBatch(stepManager);
            ctx.currentBatchSize = batch.size();
            if (testing) {
                m.testStep(batch, idx);
                ctx.hooks.call(cb -> cb.onTestBatchEnd(ctx, m, batch, idx), () -> m.onTestBatchEnd(batch, idx));
            } else {
                m.validationStep(batch, idx);
                ctx.hooks.call(cb -> cb.onValidationBatchEnd(ctx, m, batch, idx),
                        () -> m.onValidationBatchEnd(batch, idx));
            }
        }
    }
}
