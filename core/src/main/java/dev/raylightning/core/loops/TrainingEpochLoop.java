package dev.raylightning.core.loops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.raylightning.core.BatchLimit;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.RunningStage;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.HostBatch;
import dev.raylightning.core.engine.Engines;
import dev.raylightning.core.engine.GradientTape;
import dev.raylightning.core.optim.LrScheduler;

import java.util.Map;
import java.util.Optional;

/**
 * Lightning's training epoch loop: one epoch of training steps (forward, backward through the
 * strategy, the strategy's optimizer step at each accumulation boundary), validation at the
 * configured interval, and the epoch's metrics. When the strategy joins uneven inputs, a rank
 * whose batches ran out runs joined steps until the longest rank's epoch ends (see
 * {@link #joinedStep}), so every rank reaches each optimizer step, validation and the epoch's end
 * at the same batch index.
 */
final class TrainingEpochLoop {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainingEpochLoop.class);

    private final TrainerContext ctx;
    private final EvaluationLoop validation;
    private final LoopOptimizerStep optimizerStep;

    TrainingEpochLoop(TrainerContext ctx) {
        this.ctx = ctx;
        this.validation = new EvaluationLoop(ctx);
        this.optimizerStep = new LoopOptimizerStep(ctx);
    }

    /** Trains one epoch from batch {@code firstBatch} (non-zero when resuming mid-epoch). */
    void run(DataLoader train, Optional<DataLoader> val, int firstBatch) {
        LightningModule m = ctx.module;
        LoopState state = ctx.state;
        if (firstBatch == 0) {
            ctx.recovery.reachedResumePoint(); // a snapshot between epochs
        }
        state.stage = RunningStage.TRAINING;
        ctx.metrics.beginEpoch(true);
        train.setEpoch(state.currentEpoch);
        // reseeded per epoch so dropout and other torch randomness resume exactly at epoch starts
        ctx.config.seed().ifPresent(s -> Engines.seed(s * 1_000_003L + state.currentEpoch));
        state.inTrainEpoch = true;
        state.batchesDoneInEpoch = firstBatch;
        ctx.hooks.call(cb -> cb.onTrainEpochStart(ctx, m), m::onTrainEpochStart);
        ctx.progress.emit(ProgressEvent.Kind.EPOCH_START, -1, Double.NaN, ctx.metrics.progressBarMetrics());
        BatchLimit limitVal = ctx.config.limitValBatches();
        boolean validateThisEpoch = val.isPresent() && (state.currentEpoch + 1) % ctx.config.checkValEveryNEpoch() == 0
                && limitVal.resolve(val.get().numBatches()) > 0;
        int valEvery = valInterval();
        int n = state.numTrainingBatches;
        int own = state.ownTrainingBatches;
        boolean joins = ctx.strategy.joinsUnevenInputs();
        ctx.recovery.reachedResumePoint(); // a snapshot inside this epoch: its hooks above ran before it was taken
        try (DataLoader.BatchIterator it = train.iterator(Math.min(firstBatch, own))) {
            for (int idx = firstBatch; idx < n; idx++) {
                // checked before waiting for the next batch, which an interrupt would abort
                if (Thread.currentThread().isInterrupted()) {
                    LOG.warn("Trainer thread interrupted; stopping at epoch {}, batch {}", state.currentEpoch, idx);
                    state.status = TrainerStatus.INTERRUPTED;
                    break;
                }
                if (idx < own && it.hasNext()) {
                    step(m, it.next(), idx);
                } else if (joins) {
                    joinedStep(m, idx);
                } else {
                    break;
                }
                if (validateThisEpoch && ((idx + 1) % valEvery == 0 || idx + 1 == n)) {
                    validation.run(RunningStage.VALIDATING, val.get(), limitVal);
                }
                if (ctx.config.maxSteps() >= 0 && state.globalStep >= ctx.config.maxSteps()) {
                    break;
                }
                if (idx + 1 < n && (idx + 1) % ctx.accumulateGradBatches == 0) {
                    ctx.recovery.atCleanPoint(); // a closed window inside the epoch, after its validation
                }
            }
        }
        ctx.logging.logRow(ctx.metrics.endEpoch());
        ctx.hooks.call(cb -> cb.onTrainEpochEnd(ctx, m), m::onTrainEpochEnd);
        ctx.progress.emit(ProgressEvent.Kind.EPOCH_END, -1, Double.NaN, ctx.metrics.progressBarMetrics());
        state.inTrainEpoch = false;
        if (ctx.optimizer.config().scheduler().interval() == LrScheduler.Interval.EPOCH) {
            ctx.optimizer.applySchedule(state.currentEpoch + 1L);
        }
    }

    private int valInterval() {
        BatchLimit v = ctx.config.valCheckInterval();
        if (v.count() >= 0) {
            return Math.max(1, v.count());
        }
        return Math.max(1, (int) Math.floor(ctx.state.numTrainingBatches * v.fraction()));
    }

    /** One training step; the optimizer steps when the accumulation window closes. */
    private void step(LightningModule m, HostBatch host, int idx) {
        LoopState state = ctx.state;
        int accumulate = ctx.accumulateGradBatches;
        try (NDManager stepManager = m.manager().newSubManager()) {
            Batch batch = host.toBatch(stepManager);
            ctx.hooks.onTrainBatchStart(ctx, m, batch, idx);
            ctx.currentBatchSize = batch.size();
            ctx.training = true;
            double loss;
            try (GradientTape tape = new GradientTape()) {
                NDArray out = m.trainingStep(batch, idx);
                if (out == null) {
                    throw new IllegalStateException(m.getClass().getSimpleName() + ".trainingStep returned null");
                }
                loss = out.getFloat();
                NDArray scaled = accumulate > 1 ? out.div(accumulate) : out;
                ctx.hooks.onBeforeBackward(ctx, m, scaled);
                ctx.strategy.backward(scaled, tape);
            } finally {
                ctx.training = false;
            }
            ctx.hooks.onAfterBackward(ctx, m);
            optimizerStepIfDue(m, idx);
            state.batchesDoneInEpoch = idx + 1;
            ctx.hooks.onTrainBatchEnd(ctx, m, loss, batch, idx);
            ctx.progress.emit(ProgressEvent.Kind.BATCH_END, idx, loss, ctx.metrics.progressBarMetrics());
        }
    }

    /**
     * A step of a rank whose batches ran out (Horovod's join): no batch, no training step and no
     * batch hooks. Its gradients get nothing for this batch, so at the window's boundary it
     * contributes zeros (or what its last real batches of the window left) to the strategy's
     * reduction and applies the same update as the others; the step count, schedule and
     * progress advance as on every rank.
     */
    private void joinedStep(LightningModule m, int idx) {
        if (isOptimizerStepDue(idx)) {
            m.parameters().defineGradients();
        }
        optimizerStepIfDue(m, idx);
        ctx.state.batchesDoneInEpoch = idx + 1;
        ctx.progress.emit(ProgressEvent.Kind.BATCH_END, idx, Double.NaN, ctx.metrics.progressBarMetrics());
    }

    private boolean isOptimizerStepDue(int idx) {
        return (idx + 1) % ctx.accumulateGradBatches == 0 || idx + 1 == ctx.state.numTrainingBatches;
    }

    /** The strategy's optimizer step when the accumulation window closes at batch {@code idx}. */
    private void optimizerStepIfDue(LightningModule m, int idx) {
        if (!isOptimizerStepDue(idx)) {
            return;
        }
        LoopState state = ctx.state;
        ctx.hooks.onBeforeOptimizerStep(ctx, m);
        ctx.strategy.optimizerStep(optimizerStep);
        state.globalStep++;
        if (ctx.optimizer.config().scheduler().interval() == LrScheduler.Interval.STEP) {
            ctx.optimizer.applySchedule(state.globalStep);
        }
        if (state.globalStep % ctx.config.logEveryNSteps() == 0) {
            ctx.logging.logRow(ctx.metrics.drainStepRow());
        }
    }
}
