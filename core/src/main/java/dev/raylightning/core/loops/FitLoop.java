package dev.raylightning.core.loops;

import dev.raylightning.core.BatchLimit;
import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.RunningStage;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.checkpoint.CheckpointException;
import dev.raylightning.core.checkpoint.LoopPosition;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.optim.LrScheduler;
import dev.raylightning.core.optim.ParameterOptimizer;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Lightning's fit loop: optimizer and resume, the sanity check, then training epochs until a
 * limit or an agreed stop. Stop requests of every rank are reduced at each epoch's end, so all
 * ranks leave after the same epoch and share the reason. A shrunk elastic group may also end at an
 * epoch boundary (not the first of its launch) when the launcher asks for a larger group.
 */
final class FitLoop {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FitLoop.class);

    private final TrainerContext ctx;

    FitLoop(TrainerContext ctx) {
        this.ctx = ctx;
    }

    void run(LightningDataModule data, Path checkpoint) {
        LightningModule m = ctx.module;
        LoopState state = ctx.state;
        DataLoader train = ctx.distributeTraining(data.trainDataloader());
        Optional<DataLoader> val = data.valDataloader().map(ctx::distribute);
        // a checkpoint is read and checked before this fit's optimizer replaces the trainer's last state
        RecoverySnapshot snapshot = ctx.recovery.resumeFrom();
        CheckpointConnector.Resume resume = snapshot != null ? ctx.checkpoints.check(snapshot.checkpoint(),
                "the recovery snapshot") : checkpoint != null ? ctx.checkpoints.read(checkpoint) : null;
        if (resume != null && resume.checkpoint().loop().samplesBefore() >= Math.max(1, train.dataset().size())) {
            throw new CheckpointException(resume.source() + " continues an epoch after sample position "
                    + resume.checkpoint().loop().samplesBefore() + ", but the training set has "
                    + train.dataset().size() + " samples");
        }
        ctx.optimizer = new ParameterOptimizer(m.configureOptimizers(), m.parameters());
        LoopPosition start = resume != null ? ctx.checkpoints.apply(resume) : LoopPosition.START;
        if (ctx.recovery.resized() && start.batchesDone() > 0) {
            // each rank of the lost group took the epoch's first batchesDone batches: under distributed
            // sampling those are the first batchesDone x batch size x world size positions of its order
            start = new LoopPosition(start.epoch(), 0, start.globalStep(), start.samplesBefore()
                    + (long) start.batchesDone() * train.batchSize() * snapshot.worldSize());
        }
        if (start.samplesBefore() > 0) {
            Optional<DataLoader> rest = ctx.continuingEpoch(train, start.epoch(), start.samplesBefore());
            if (rest.isPresent()) {
                train = rest.get();
            } else {
                LOG.warn("The training loader's sampler cannot skip the {} samples of epoch {} trained before (it is "
                        + "not the trainer's distributed sampler, or the epoch's batches are limited): the epoch "
                        + "starts over", start.samplesBefore(), start.epoch());
                start = new LoopPosition(start.epoch(), 0, start.globalStep());
            }
        }
        state.restart(start);
        ctx.recovery.fitStarted();
        ParameterOptimizer optimizer = ctx.optimizer;
        optimizer.applySchedule(optimizer.config().scheduler().interval() == LrScheduler.Interval.EPOCH
                ? state.currentEpoch : state.globalStep);
        ctx.logging.logHyperparams(m);
        train.setEpoch(state.currentEpoch); // a continued epoch has fewer batches than the next ones
        countTrainingBatches(train);
        boolean recount = start.samplesBefore() > 0;
        ctx.hooks.call(cb -> cb.onFitStart(ctx, m), m::onFitStart);
        int sanitySteps = ctx.config.numSanityValSteps();
        // a fit restarted from a snapshot had its sanity check before it was lost
        if (snapshot == null && val.isPresent() && sanitySteps > 0
                && ctx.config.limitValBatches().resolve(val.get().numBatches()) > 0) {
            ctx.hooks.callbacks(cb -> cb.onSanityCheckStart(ctx, m));
            new EvaluationLoop(ctx).run(RunningStage.SANITY_CHECKING, val.get(), BatchLimit.batches(sanitySteps));
            ctx.metrics.reset();
            ctx.hooks.callbacks(cb -> cb.onSanityCheckEnd(ctx, m));
        }
        ctx.hooks.call(cb -> cb.onTrainStart(ctx, m), m::onTrainStart);
        TrainingEpochLoop epochLoop = new TrainingEpochLoop(ctx);
        int resumeBatches = start.batchesDone();
        boolean firstEpoch = true;
        while (!done()) {
            if (!firstEpoch && ctx.recovery.agreeToEndForLargerGroup()) {
                return; // the driver continues from this epoch boundary on more workers: no end hooks here
            }
            if (!firstEpoch && recount) {
                train.setEpoch(state.currentEpoch); // a whole epoch again, after the continued one
                countTrainingBatches(train);
                recount = false;
            }
            firstEpoch = false;
            ctx.recovery.atCleanPoint(); // between epochs (not due at the first: no step since the start)
            epochLoop.run(train, val, resumeBatches);
            resumeBatches = 0;
            if (state.status == TrainerStatus.INTERRUPTED) {
                break;
            }
            state.currentEpoch++;
            state.samplesBefore = 0;
            agreeOnStop();
            if (state.shouldStop && state.currentEpoch >= ctx.config.minEpochs()) {
                break;
            }
        }
        ctx.recovery.reachedResumePoint(); // a snapshot taken where nothing was left to train
        ctx.hooks.call(cb -> cb.onTrainEnd(ctx, m), m::onTrainEnd);
        ctx.hooks.call(cb -> cb.onFitEnd(ctx, m), m::onFitEnd);
        if (state.status != TrainerStatus.INTERRUPTED) {
            // on every rank: a sharded strategy gathers its shards here
            ctx.lastOptimizerState = ctx.strategy.optimizerState(optimizer);
            optimizer.close();
            ctx.optimizer = null;
        }
    }

    /** Counts the current epoch's training batches, this rank's own and every rank's. */
    private void countTrainingBatches(DataLoader train) {
        LoopState state = ctx.state;
        state.ownTrainingBatches = ctx.config.limitTrainBatches().resolve(train.numBatches());
        state.numTrainingBatches = agreedTrainingBatches(state.ownTrainingBatches);
    }

    /**
     * The batches of every rank's epoch: this rank's own, or with uneven inputs the most of any
     * rank (one MAX reduction per count: once per fit, twice when it continues an epoch).
     */
    private int agreedTrainingBatches(int own) {
        if (!ctx.strategy.joinsUnevenInputs() || ctx.strategy.worldSize() == 1) {
            return own;
        }
        return (int) ctx.strategy.reduce(new double[] {own}, ReduceOp.MAX)[0];
    }

    /** Reduces this epoch's stop requests across ranks; once agreed, the stop stands. */
    private void agreeOnStop() {
        LoopState state = ctx.state;
        Optional<String> agreed = ctx.strategy.reduceDecision(Optional.ofNullable(state.requestedStop));
        state.requestedStop = null;
        if (agreed.isPresent() && !state.shouldStop) {
            state.shouldStop = true;
            state.stopReason = agreed.get();
        }
    }

    private boolean done() {
        LoopState state = ctx.state;
        if (ctx.config.maxSteps() >= 0 && state.globalStep >= ctx.config.maxSteps()) {
            return true;
        }
        return ctx.config.maxEpochs() >= 0 && state.currentEpoch >= ctx.config.maxEpochs();
    }
}
