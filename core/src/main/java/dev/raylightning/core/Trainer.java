package dev.raylightning.core;

import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.progress.ProgressListener;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.LoopPosition;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.loggers.Logger;
import dev.raylightning.core.loops.TrainerContext;
import dev.raylightning.core.strategy.Strategy;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Lightning's {@code Trainer}: runs a {@link LightningModule}'s loops. {@code fit},
 * {@code validate}, {@code test} and {@code predict} may be called many times on the same
 * trainer and module; the module keeps its weights between calls.
 *
 * <p>The loops know nothing about distribution: they ask the {@link Strategy} for ranks,
 * gradient synchronisation, optimizer state and metric reduction, and a strategy with a launcher
 * runs the whole call on worker processes. This class is the public face; the loops and their
 * connectors live in {@code dev.raylightning.core.loops}.
 */
public final class Trainer implements TrainerView {

    private final TrainerContext ctx;

    private Trainer(TrainerConfig config, List<Logger> loggers) {
        this.ctx = TrainerContext.driver(config, loggers);
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- entry points -------------------------------------------------------------------------

    /** Trains with the data module's train and validation loaders. */
    public void fit(LightningModule module, LightningDataModule data) {
        fit(module, data, null);
    }

    /** Trains from loaders; {@code val} may be null. */
    public void fit(LightningModule module, DataLoader train, DataLoader val) {
        fit(module, LightningDataModule.of(train, val), null);
    }

    /** Trains, resuming from {@code checkpoint} when it is not null. */
    public void fit(LightningModule module, LightningDataModule data, Path checkpoint) {
        ctx.run(TrainerFn.FITTING, module, data, checkpoint);
    }

    /** Runs the validation loop once; returns the epoch-level logged metrics. */
    public List<Map<String, Double>> validate(LightningModule module, LightningDataModule data) {
        return ctx.run(TrainerFn.VALIDATING, module, data, null).evalResults();
    }

    /** Validates from a loader. */
    public List<Map<String, Double>> validate(LightningModule module, DataLoader val) {
        return validate(module, LightningDataModule.of(null, val));
    }

    /** Runs the test loop once; returns the epoch-level logged metrics. */
    public List<Map<String, Double>> test(LightningModule module, LightningDataModule data) {
        return ctx.run(TrainerFn.TESTING, module, data, null).evalResults();
    }

    /** Tests from a loader. */
    public List<Map<String, Double>> test(LightningModule module, DataLoader test) {
        return test(module, LightningDataModule.of(null, null, test, null));
    }

    /** Predicts every batch of the data module's predict loader, in order. */
    public List<Prediction> predict(LightningModule module, LightningDataModule data) {
        return ctx.run(TrainerFn.PREDICTING, module, data, null).predictions();
    }

    /** Predicts from a loader. */
    public List<Prediction> predict(LightningModule module, DataLoader loader) {
        return predict(module, LightningDataModule.of(null, null, null, loader));
    }

    /**
     * Runs a request shipped by a launcher, in a worker process, with that worker's strategy.
     * Returns this rank's result (rank zero's is the one the driver restores).
     */
    public static RunResult runWorker(RunRequest request, Strategy rankStrategy) {
        return runWorker(request, rankStrategy, null);
    }

    /**
     * Runs a shipped request like {@link #runWorker(RunRequest, Strategy)}, also handing this
     * rank's progress events to {@code forwarder} (a launcher streams rank zero's to the driver).
     */
    public static RunResult runWorker(RunRequest request, Strategy rankStrategy, ProgressListener forwarder) {
        return TrainerContext.runWorker(request, rankStrategy, forwarder);
    }

    // ---- what callbacks may ask ---------------------------------------------------------------

    @Override
    public void requestStop(String reason) {
        ctx.requestStop(reason);
    }

    @Override
    public void saveCheckpoint(Path path) {
        ctx.saveCheckpoint(path);
    }

    @Override
    public Checkpoint buildCheckpoint() {
        return ctx.buildCheckpoint();
    }

    @Override
    public void sendToDriver(String callbackKey, Serializable payload) {
        ctx.sendToDriver(callbackKey, payload);
    }

    // ---- state --------------------------------------------------------------------------------

    /**
     * The worker failures the last fit recovered from, in order (empty when it had none, or its
     * strategy has no recovery policy); each names the rank that failed and why.
     */
    public List<RuntimeException> recoveredFailures() {
        return ctx.recoveredFailures();
    }

    /**
     * The world sizes the last distributed run trained at, in order: one entry, or more when an
     * elastic strategy continued with fewer workers after a failure (empty before any run).
     */
    public List<Integer> worldSizes() {
        return ctx.worldSizes();
    }

    /** Where a fit resumed from a checkpoint taken now would continue. */
    public LoopPosition loopPosition() {
        return ctx.loopPosition();
    }

    @Override
    public TrainerState state() {
        return ctx.state();
    }

    @Override
    public TrainerStatus status() {
        return ctx.status();
    }

    @Override
    public Optional<RunningStage> stage() {
        return ctx.stage();
    }

    @Override
    public boolean sanityChecking() {
        return ctx.sanityChecking();
    }

    @Override
    public int currentEpoch() {
        return ctx.currentEpoch();
    }

    @Override
    public long globalStep() {
        return ctx.globalStep();
    }

    @Override
    public boolean shouldStop() {
        return ctx.shouldStop();
    }

    @Override
    public int numTrainingBatches() {
        return ctx.numTrainingBatches();
    }

    @Override
    public int maxEpochs() {
        return ctx.maxEpochs();
    }

    @Override
    public Map<String, Double> callbackMetrics() {
        return ctx.callbackMetrics();
    }

    @Override
    public Map<String, Double> loggedMetrics() {
        return ctx.loggedMetrics();
    }

    @Override
    public Map<String, Double> progressBarMetrics() {
        return ctx.progressBarMetrics();
    }

    @Override
    public Strategy strategy() {
        return ctx.strategy();
    }

    /** The callbacks in the order hooks reach them: the given ones, then the defaults the trainer added. */
    public List<Callback> callbacks() {
        return ctx.callbacks();
    }

    @Override
    public List<Logger> loggers() {
        return ctx.loggers();
    }

    public TrainerConfig config() {
        return ctx.config();
    }

    @Override
    public Path defaultRootDir() {
        return ctx.defaultRootDir();
    }

    @Override
    public Path logDir() {
        return ctx.logDir();
    }

    /** The first {@link ModelCheckpoint} callback, Lightning's {@code checkpoint_callback}. */
    public Optional<ModelCheckpoint> checkpointCallback() {
        return callbacks().stream().filter(c -> c instanceof ModelCheckpoint).map(c -> (ModelCheckpoint) c)
                .findFirst();
    }

    @Override
    public Optional<Double> learningRate() {
        return ctx.learningRate();
    }

    /** Builds a {@link Trainer}; every setter validates its argument and names it on error. */
    public static final class Builder extends TrainerConfigBuilder<Builder> {

        Builder() {}

        @Override
        protected Builder self() {
            return this;
        }

        public Trainer build() {
            return new Trainer(buildConfig(), resolveLoggers());
        }
    }
}
