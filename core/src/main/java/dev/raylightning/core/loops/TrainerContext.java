package dev.raylightning.core.loops;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.ModuleContext;
import dev.raylightning.core.RunRequest;
import dev.raylightning.core.RunResult;
import dev.raylightning.core.RunningStage;
import dev.raylightning.core.TrainerConfig;
import dev.raylightning.core.TrainerFn;
import dev.raylightning.core.TrainerState;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.callbacks.ProgressBar;
import dev.raylightning.core.progress.ProgressListener;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.LoopPosition;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.DistributedSampler;
import dev.raylightning.core.engine.Engines;
import dev.raylightning.core.loggers.Logger;
import dev.raylightning.core.metrics.LogOptions;
import dev.raylightning.core.metrics.MetricStore;
import dev.raylightning.core.optim.ParameterOptimizer;
import dev.raylightning.core.strategy.DriverLink;
import dev.raylightning.core.strategy.Strategy;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One trainer's run state and its parts: settings, strategy, callbacks, loggers, metrics, the
 * loop state, and the connectors the loops use (hooks, logging, progress, checkpoints). It is the
 * {@link TrainerView} callbacks receive and the {@link ModuleContext} modules log through.
 * {@code Trainer} is its public face; a worker process runs one without a {@code Trainer}.
 */
public final class TrainerContext implements TrainerView, ModuleContext {

    final TrainerConfig config;
    final Strategy strategy;
    /** Batches per optimizer step: the trainer's accumulateGradBatches, or the strategy's backward passes per step. */
    final int accumulateGradBatches;
    final List<Callback> callbacks;
    final List<Logger> loggers;
    /** Whether this context runs one rank of a launcher's job (its driver is another process). */
    final boolean workerSide;
    /** On a worker: the driver's log directory, which this rank's {@code logDir} is. */
    Path driverLogDir;
    final MetricStore metrics;
    final LoopState state = new LoopState();
    final Hooks hooks;
    final LoggerConnector logging;
    final ProgressConnector progress;
    final CheckpointConnector checkpoints;
    final RecoveryConnector recovery;

    LightningModule module;
    ParameterOptimizer optimizer;
    /** The optimizer state at the end of the last fit, so saveCheckpoint after fit can resume exactly. */
    ParameterOptimizer.State lastOptimizerState;
    /** The worker failures the last distributed fit recovered from, in order. */
    List<RuntimeException> recoveredFailures = List.of();
    /** The world sizes the last distributed fit trained at, in order. */
    List<Integer> worldSizes = List.of();
    /** Of the current step: whether it trains, and its batch size (weights epoch means). */
    boolean training;
    int currentBatchSize;

    private TrainerContext(TrainerConfig config, List<Logger> loggers, boolean workerSide) {
        this.config = config;
        this.strategy = config.strategy();
        this.accumulateGradBatches = accumulation(config.accumulateGradBatches(), strategy);
        this.metrics = new MetricStore(strategy.worldSize() > 1 ? strategy::reduce : MetricStore.Sync.LOCAL);
        this.callbacks = Collections.unmodifiableList(defaultCallbacks(config, !workerSide));
        this.loggers = List.copyOf(loggers);
        this.workerSide = workerSide;
        this.hooks = new Hooks(callbacks);
        this.logging = new LoggerConnector(this);
        this.progress = new ProgressConnector(this);
        this.checkpoints = new CheckpointConnector(this);
        this.recovery = new RecoveryConnector(this);
    }

    /** The trainer's accumulation window, agreed with the strategy's backward passes per step. */
    private static int accumulation(int trainer, Strategy strategy) {
        int passes = strategy.backwardPassesPerStep();
        if (passes == 1 || passes == trainer || trainer == 1) {
            return Math.max(passes, trainer);
        }
        throw new IllegalArgumentException("accumulateGradBatches(" + trainer + ") and the strategy's "
                + "backwardPassesPerStep(" + passes + ") are the same setting with two values; set one of them");
    }

    /** The context of a trainer on the driver (or a single process). */
    public static TrainerContext driver(TrainerConfig config, List<Logger> loggers) {
        return new TrainerContext(config, loggers, false);
    }

    /**
     * Runs a request shipped by a launcher, in a worker process, with that rank's strategy, and
     * returns this rank's result; {@code forwarder} (may be null) gets the rank's progress events.
     */
    public static RunResult runWorker(RunRequest request, Strategy rankStrategy, ProgressListener forwarder) {
        TrainerContext ctx = worker(request, rankStrategy, forwarder == null ? null : forwarder::onProgress, null);
        return ctx.runShipped(request);
    }

    /**
     * The context of one rank of a shipped request, in a fit that takes part in recovery as
     * {@code recoveryPlan} says (null: not at all); {@code toDriver} (rank zero's, may be null)
     * gets the progress events and brings the launcher's requests.
     */
    static TrainerContext worker(RunRequest request, Strategy rankStrategy, DriverLink toDriver,
            RecoverySnapshot.Plan recoveryPlan) {
        TrainerContext ctx = new TrainerContext(request.config().withStrategy(rankStrategy), List.of(), true);
        if (request.fn() == TrainerFn.FITTING) {
            ctx.recovery.plan(recoveryPlan, toDriver);
        }
        ctx.driverLogDir = request.driverLogDir() == null ? null : Path.of(request.driverLogDir());
        if (toDriver != null) {
            ctx.progress.addListener(toDriver);
        }
        return ctx;
    }

    /** Runs the shipped {@code request} as this rank (a context from {@link #worker}). */
    RunResult runShipped(RunRequest request) {
        LightningModule m = request.module();
        if (request.initialWeights() != null) {
            m.loadStateDict(request.initialWeights());
        }
        Path ckpt = request.checkpointPath() == null ? null : Path.of(request.checkpointPath());
        return new LocalRun(this).run(request.fn(), m, request.dataModule(), ckpt);
    }

    /** Runs {@code entry}: on the strategy's workers when it has a launcher, else right here. */
    public RunResult run(TrainerFn entry, LightningModule m, LightningDataModule data, Path checkpoint) {
        if (m == null) {
            throw new IllegalArgumentException("module must not be null");
        }
        if (data == null) {
            throw new IllegalArgumentException("data module must not be null");
        }
        return strategy.launcher().isPresent() ? new DriverRun(this).run(entry, m, data, checkpoint)
                : new LocalRun(this).run(entry, m, data, checkpoint);
    }

    /** Lightning's default callbacks: a progress bar on the driver, a checkpoint callback unless disabled. */
    private static List<Callback> defaultCallbacks(TrainerConfig config, boolean driverSide) {
        List<Callback> cbs = new ArrayList<>(config.callbacks());
        boolean bar = driverSide && config.enableProgressBar();
        if (bar && cbs.stream().noneMatch(c -> c instanceof ProgressBar)) {
            cbs.add(new ProgressBar());
        }
        if (!bar) {
            cbs.removeIf(c -> c instanceof ProgressBar);
        }
        if (config.enableCheckpointing() && cbs.stream().noneMatch(c -> c instanceof ModelCheckpoint)) {
            cbs.add(ModelCheckpoint.builder().build());
        }
        return cbs;
    }

    void seedIfConfigured() {
        config.seed().ifPresent(Engines::seed);
    }

    /** The loader with a distributed sampler when there are several ranks (Lightning's use_distributed_sampler). */
    DataLoader distribute(DataLoader loader) {
        return distribute(loader, false);
    }

    /**
     * The training loader, distributed: unpadded when the strategy joins uneven inputs (the
     * evaluation loaders stay padded, so every rank runs as many evaluation batches).
     */
    DataLoader distributeTraining(DataLoader loader) {
        return distribute(loader, strategy.joinsUnevenInputs());
    }

    private DataLoader distribute(DataLoader loader, boolean uneven) {
        Optional<Strategy.SamplerArgs> args = strategy.distributedSamplerArgs();
        if (args.isEmpty() || !config.useDistributedSampler() || loader.sampler() instanceof DistributedSampler) {
            return loader;
        }
        Strategy.SamplerArgs a = args.get();
        int size = loader.dataset().size();
        return loader.withSampler(uneven
                ? DistributedSampler.uneven(size, a.numReplicas(), a.rank(), loader.shuffle(), loader.seed())
                : new DistributedSampler(size, a.numReplicas(), a.rank(), loader.shuffle(), loader.seed()));
    }

    /**
     * The training loader of a fit that continues epoch {@code epoch} after the first {@code
     * positions} of its sample order (trained on by an earlier run, perhaps at another world
     * size): its distributed sampler skips them in that epoch. On one rank the loader's own order
     * (random or sequential) is that of a one-replica distributed sampler, which takes its place.
     * Empty when the loader samples another way, or the epoch's batches are limited.
     */
    Optional<DataLoader> continuingEpoch(DataLoader train, int epoch, long positions) {
        if (!config.limitTrainBatches().equals(dev.raylightning.core.BatchLimit.ALL)) {
            return Optional.empty();
        }
        DataLoader loader = train;
        if (!(train.sampler() instanceof DistributedSampler)) {
            DistributedSampler one = new DistributedSampler(train.dataset().size(), 1, 0, train.shuffle(), train.seed());
            one.setEpoch(epoch);
            train.sampler().setEpoch(epoch);
            if (!java.util.Arrays.equals(one.indices(), train.sampler().indices())) {
                return Optional.empty(); // a sampler of the user's own
            }
            loader = train.withSampler(one);
        }
        ((DistributedSampler) loader.sampler()).continueEpochAfter(epoch, positions);
        return Optional.of(loader);
    }

    public TrainerConfig config() {
        return config;
    }

    /** The worker failures the last distributed fit recovered from (empty when none, or not distributed). */
    public List<RuntimeException> recoveredFailures() {
        return recoveredFailures;
    }

    /** The world sizes the last distributed run trained at, in order (more than one after an elastic shrink). */
    public List<Integer> worldSizes() {
        return worldSizes;
    }

    /** Where a fit resumed from a checkpoint taken now would continue. */
    public LoopPosition loopPosition() {
        return state.position();
    }

    // ---- ModuleContext ---------------------------------------------------------------------

    @Override
    public TrainerView trainer() {
        return this;
    }

    @Override
    public boolean training() {
        return training;
    }

    @Override
    public void log(String name, double value, LogOptions options) {
        if (state.stage == null) {
            throw new IllegalStateException("log('" + name + "') called outside a step");
        }
        if (state.stage == RunningStage.PREDICTING) {
            throw new IllegalStateException("log('" + name + "') is not allowed in predict");
        }
        if (training && options.syncDist() && options.stepEnabled(true) && strategy.joinsUnevenInputs()
                && strategy.worldSize() > 1) {
            // a rank that joined has no training step to log from: the others' reduction would wait forever
            throw new IllegalStateException("log('" + name + "') syncs a training step value across ranks, but the "
                    + "strategy joins uneven inputs, where ranks run different numbers of training steps; "
                    + "log it on epoch (onStep(false)) or without syncDist");
        }
        metrics.log(name, value, options, Math.max(1, currentBatchSize));
    }

    // ---- TrainerView -----------------------------------------------------------------------

    @Override
    public TrainerState state() {
        return state.snapshot();
    }

    @Override
    public TrainerStatus status() {
        return state.status;
    }

    @Override
    public Optional<RunningStage> stage() {
        return Optional.ofNullable(state.stage);
    }

    @Override
    public boolean sanityChecking() {
        return state.stage == RunningStage.SANITY_CHECKING;
    }

    @Override
    public int currentEpoch() {
        return state.currentEpoch;
    }

    @Override
    public long globalStep() {
        return state.globalStep;
    }

    @Override
    public int maxEpochs() {
        return config.maxEpochs();
    }

    @Override
    public int numTrainingBatches() {
        return state.numTrainingBatches;
    }

    @Override
    public boolean shouldStop() {
        return state.shouldStop;
    }

    @Override
    public Map<String, Double> callbackMetrics() {
        return metrics.callbackMetrics();
    }

    @Override
    public Map<String, Double> loggedMetrics() {
        return metrics.loggedMetrics();
    }

    @Override
    public Map<String, Double> progressBarMetrics() {
        return metrics.progressBarMetrics();
    }

    @Override
    public Strategy strategy() {
        return strategy;
    }

    public List<Callback> callbacks() {
        return callbacks;
    }

    @Override
    public List<Logger> loggers() {
        return loggers;
    }

    @Override
    public Path defaultRootDir() {
        return config.defaultRootPath();
    }

    @Override
    public Path logDir() {
        return logging.logDir();
    }

    @Override
    public Optional<Double> learningRate() {
        return optimizer == null ? Optional.empty() : Optional.of(optimizer.learningRate());
    }

    @Override
    public void requestStop(String reason) {
        state.requestedStop = reason == null ? "stop requested" : reason;
    }

    @Override
    public Checkpoint buildCheckpoint() {
        return checkpoints.build();
    }

    @Override
    public void saveCheckpoint(Path path) {
        checkpoints.save(path);
    }

    @Override
    public void sendToDriver(String callbackKey, Serializable payload) {
        progress.sendToDriver(callbackKey, payload);
    }
}
