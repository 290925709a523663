package dev.raylightning.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.callbacks.ProgressBar;
import dev.raylightning.core.callbacks.ProgressEvent;
import dev.raylightning.core.callbacks.ProgressListener;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.CheckpointIO;
import dev.raylightning.core.checkpoint.LoopPosition;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.DistributedSampler;
import dev.raylightning.core.data.HostBatch;
import dev.raylightning.core.data.HostTensor;
import dev.raylightning.core.engine.Engines;
import dev.raylightning.core.engine.GradientTape;
import dev.raylightning.core.loggers.CsvLogger;
import dev.raylightning.core.loggers.Logger;
import dev.raylightning.core.metrics.LogOptions;
import dev.raylightning.core.metrics.MetricStore;
import dev.raylightning.core.optim.LrScheduler;
import dev.raylightning.core.optim.ParameterOptimizer;
import dev.raylightning.core.strategy.OptimizerStep;
import dev.raylightning.core.strategy.Strategy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Lightning's {@code Trainer}: runs a {@link LightningModule}'s loops. {@code fit},
 * {@code validate}, {@code test} and {@code predict} may be called many times on the same
 * trainer and module; the module keeps its weights between calls.
 *
 * <p>The loop knows nothing about distribution: it asks its {@link Strategy} for ranks, for
 * gradient synchronisation and for metric reduction, and lets the strategy's launcher (if any)
 * run the whole call on worker processes.
 */
public final class Trainer {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Trainer.class);

    private final TrainerConfig config;
    private final Strategy strategy;
    private final List<Callback> callbacks;
    private final List<Logger> loggers;
    private final MetricStore metrics = new MetricStore();
    /** Callbacks that listen to progress, plus a worker's forwarder; empty lists cost nothing per step. */
    private final List<ProgressListener> listeners = new ArrayList<>();

    private TrainerStatus status = TrainerStatus.INITIALIZING;
    private TrainerFn fn;
    private RunningStage stage;
    private int currentEpoch;
    private long globalStep;
    private int batchesDoneInEpoch;
    private int trainBatchesThisEpoch;
    private boolean inTrainEpoch;
    private boolean shouldStop;
    private int numTrainingBatches;
    private LightningModule module;
    private ParameterOptimizer optimizer;
    /** The optimizer state at the end of the last fit, so saveCheckpoint after fit can resume exactly. */
    private ParameterOptimizer.State lastOptimizerState;
    /** Whether this trainer runs one rank of a launcher's job (its driver is another process). */
    private boolean workerSide;

    private Trainer(TrainerConfig config, List<Logger> loggers, boolean driverSide) {
        this.config = config;
        this.strategy = config.strategy;
        List<Callback> cbs = new ArrayList<>(config.callbacks);
        boolean hasBar = cbs.stream().anyMatch(c -> c instanceof ProgressBar);
        if (driverSide && config.enableProgressBar && !hasBar) {
            cbs.add(new ProgressBar());
        }
        if (!driverSide || !config.enableProgressBar) {
            cbs.removeIf(c -> c instanceof ProgressBar);
        }
        if (config.enableCheckpointing && cbs.stream().noneMatch(c -> c instanceof ModelCheckpoint)) {
            cbs.add(ModelCheckpoint.builder().build());
        }
        if (!config.enableCheckpointing && cbs.stream().anyMatch(c -> c instanceof ModelCheckpoint)) {
            throw new IllegalArgumentException(
                    "enableCheckpointing is false but a ModelCheckpoint callback was given");
        }
        this.callbacks = Collections.unmodifiableList(cbs);
        this.loggers = loggers;
        for (Callback cb : cbs) {
            if (cb instanceof ProgressListener pl) {
                listeners.add(pl);
            }
        }
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
        run(TrainerFn.FITTING, module, data, checkpoint);
    }

    /** Runs the validation loop once; returns the epoch-level logged metrics. */
    public List<Map<String, Double>> validate(LightningModule module, LightningDataModule data) {
        return run(TrainerFn.VALIDATING, module, data, null).evalResults();
    }

    /** Validates from a loader. */
    public List<Map<String, Double>> validate(LightningModule module, DataLoader val) {
        return validate(module, LightningDataModule.of(null, val));
    }

    /** Runs the test loop once; returns the epoch-level logged metrics. */
    public List<Map<String, Double>> test(LightningModule module, LightningDataModule data) {
        return run(TrainerFn.TESTING, module, data, null).evalResults();
    }

    /** Tests from a loader. */
    public List<Map<String, Double>> test(LightningModule module, DataLoader test) {
        return test(module, LightningDataModule.of(null, null, test, null));
    }

    /** Predicts every batch of the data module's predict loader, in order. */
    public List<Prediction> predict(LightningModule module, LightningDataModule data) {
        return run(TrainerFn.PREDICTING, module, data, null).predictions();
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
        Trainer t = new Trainer(request.config().withStrategy(rankStrategy), List.of(), false);
        t.workerSide = true;
        if (forwarder != null) {
            t.listeners.add(forwarder);
        }
        LightningModule m = request.module();
        if (request.initialWeights() != null) {
            m.loadStateDict(request.initialWeights());
        }
        Path ckpt = request.checkpointPath() == null ? null : Path.of(request.checkpointPath());
        return t.runLocal(request.fn(), m, request.dataModule(), ckpt);
    }

    private RunResult run(TrainerFn entry, LightningModule m, LightningDataModule data, Path checkpoint) {
        if (m == null) {
            throw new IllegalArgumentException("module must not be null");
        }
        if (data == null) {
            throw new IllegalArgumentException("data module must not be null");
        }
        Optional<dev.raylightning.core.strategy.Launcher> launcher = strategy.launcher();
        if (launcher.isEmpty()) {
            return runLocal(entry, m, data, checkpoint);
        }
        status = TrainerStatus.RUNNING;
        fn = entry;
        module = m;
        seedIfConfigured();
        for (Callback cb : callbacks) {
            if (cb instanceof ModelCheckpoint mc) {
                mc.resolveDirpath(logDir());
            }
        }
        RunRequest request = new RunRequest(entry, config, m, data, m.stateDict(),
                checkpoint == null ? null : checkpoint.toAbsolutePath().toString());
        if (entry == TrainerFn.FITTING) {
            for (Logger l : loggers) {
                l.logHyperparams(new LinkedHashMap<>(m.hparams()));
            }
        }
        try {
            RunResult result = launcher.get().launch(request, this::onRemoteProgress);
            restore(result, m);
            status = result.status();
            finishLoggers(status == TrainerStatus.INTERRUPTED ? "interrupted" : "success");
            return result;
        } catch (RuntimeException | Error e) {
            status = TrainerStatus.INTERRUPTED;
            finishLoggers("failed");
            throw e;
        } finally {
            stage = null;
            notifyListeners(new ProgressEvent(ProgressEvent.Kind.RUN_END, currentEpoch, -1, 0, config.maxEpochs,
                    globalStep, Double.NaN, Map.of()));
        }
    }

    /** Rank zero's streamed progress, on the driver: log rows go to loggers, the rest to listeners. */
    private void onRemoteProgress(ProgressEvent e) {
        if (e.kind() == ProgressEvent.Kind.CALLBACK_MESSAGE) {
            deliver(e.message());
        } else if (e.kind() == ProgressEvent.Kind.LOG_ROW) {
            for (Logger l : loggers) {
                l.logMetrics(e.metrics(), e.globalStep());
            }
        } else {
            notifyListeners(e);
        }
    }

    private void deliver(ProgressEvent.CallbackMessage message) {
        for (Callback cb : callbacks) {
            if (cb.stateKey().equals(message.callbackKey())) {
                cb.onDriverMessage(this, message.payload());
                return;
            }
        }
        LOG.warn("A worker's callback {} sent a message, but the driver's trainer has no callback with that key",
                message.callbackKey());
    }

    /**
     * Sends {@code payload} from {@code sender} to the same callback on the driver, which gets it
     * in {@link Callback#onDriverMessage}: right away when this trainer runs on the driver, and
     * streamed in order with progress when it runs a worker's rank. Only global rank zero sends;
     * other ranks return without sending, so callbacks may call this on every rank.
     */
    public void sendToDriver(Callback sender, java.io.Serializable payload) {
        if (!strategy.isGlobalZero()) {
            return;
        }
        ProgressEvent.CallbackMessage message = new ProgressEvent.CallbackMessage(sender.stateKey(), payload);
        if (!workerSide) {
            deliver(message);
            return;
        }
        notifyListeners(new ProgressEvent(ProgressEvent.Kind.CALLBACK_MESSAGE, currentEpoch, -1, numTrainingBatches,
                config.maxEpochs, globalStep, Double.NaN, Map.of(), message));
    }

    private void notifyListeners(ProgressEvent e) {
        for (ProgressListener pl : listeners) {
            pl.onProgress(e);
        }
    }

    private void emit(ProgressEvent.Kind kind, int batchIdx, double loss, Map<String, Double> metrics) {
        if (listeners.isEmpty() || !strategy.isGlobalZero()) {
            return;
        }
        notifyListeners(new ProgressEvent(kind, currentEpoch, batchIdx, numTrainingBatches, config.maxEpochs,
                globalStep, loss, metrics));
    }

    /** Adopts rank zero's result on the driver: weights, counters, metrics, callback states. */
    private void restore(RunResult r, LightningModule m) {
        if (r.weights() != null) {
            m.loadStateDict(r.weights());
        }
        if (r.fn() == TrainerFn.FITTING) {
            currentEpoch = r.currentEpoch();
            globalStep = r.globalStep();
        }
        metrics.restore(r.callbackMetrics(), r.loggedMetrics(), r.progressBarMetrics());
        for (Callback cb : callbacks) {
            Map<String, Object> state = r.callbackStates().get(cb.stateKey());
            if (state != null) {
                cb.loadStateDict(state);
            }
        }
    }

    // ---- the local run ------------------------------------------------------------------------

    private RunResult runLocal(TrainerFn entry, LightningModule m, LightningDataModule data, Path checkpoint) {
        status = TrainerStatus.RUNNING;
        fn = entry;
        if (module != m) {
            lastOptimizerState = null;
        }
        module = m;
        metrics.reset();
        shouldStop = false;
        List<Map<String, Double>> evalResults = List.of();
        List<Prediction> predictions = List.of();
        boolean setUp = false;
        try {
            strategy.setup();
            seedIfConfigured();
            m.attach(this);
            m.block();
            if (strategy.localRank() == 0) {
                data.prepareData();
            }
            strategy.barrier("prepare_data");
            data.setup(entry.stage());
            setUp = true;
            each(cb -> cb.setup(this, m, entry));
            switch (entry) {
                case FITTING -> fitLoop(m, data, checkpoint);
                case VALIDATING -> evalResults = List.of(evaluate(RunningStage.VALIDATING, m,
                        data.valDataloader().orElseThrow(() -> missing("validation", "valDataloader")), config.limitValBatches));
                case TESTING -> evalResults = List.of(evaluate(RunningStage.TESTING, m,
                        data.testDataloader().orElseThrow(() -> missing("test", "testDataloader")), config.limitTestBatches));
                case PREDICTING -> predictions = predictLoop(m,
                        data.predictDataloader().orElseThrow(() -> missing("predict", "predictDataloader")));
                default -> throw new IllegalStateException("unknown entry point " + entry);
            }
            if (status == TrainerStatus.RUNNING) {
                status = TrainerStatus.FINISHED;
            }
            finishLoggers(status == TrainerStatus.INTERRUPTED ? "interrupted" : "success");
        } catch (RuntimeException | Error e) {
            status = TrainerStatus.INTERRUPTED;
            for (Callback cb : callbacks) {
                try {
                    cb.onException(this, m, e);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            finishLoggers("failed");
            throw e;
        } finally {
            if (entry == TrainerFn.FITTING) {
                emit(ProgressEvent.Kind.RUN_END, -1, Double.NaN, Map.of());
            }
            stage = null;
            inTrainEpoch = false;
            if (optimizer != null) {
                lastOptimizerState = optimizer.exportState();
                optimizer.close();
                optimizer = null;
            }
            if (setUp) {
                each(cb -> cb.teardown(this, m, entry));
                data.teardown(entry.stage());
            }
            m.attach(null);
            strategy.teardown();
        }
        Map<String, Map<String, Object>> states = new LinkedHashMap<>();
        for (Callback cb : callbacks) {
            states.put(cb.stateKey(), cb.stateDict());
        }
        return new RunResult(entry, strategy.isGlobalZero() ? m.stateDict() : null, currentEpoch, globalStep,
                new LinkedHashMap<>(metrics.callbackMetrics()), new LinkedHashMap<>(metrics.loggedMetrics()),
                new LinkedHashMap<>(metrics.progressBarMetrics()), states, evalResults, predictions, status);
    }

    private static IllegalArgumentException missing(String what, String method) {
        return new IllegalArgumentException("no " + what + " data: the data module's " + method + "() is empty");
    }

    private void seedIfConfigured() {
        if (config.seed != null) {
            Engines.seed(config.seed);
        }
    }

    private void fitLoop(LightningModule m, LightningDataModule data, Path checkpoint) {
        DataLoader train = distribute(data.trainDataloader());
        Optional<DataLoader> val = data.valDataloader().map(this::distribute);
        optimizer = new ParameterOptimizer(m.configureOptimizers(), m.parameters());
        LoopPosition start = LoopPosition.START;
        if (checkpoint != null) {
            start = restoreCheckpoint(m, checkpoint);
        } else {
            currentEpoch = 0;
            globalStep = 0;
        }
        currentEpoch = start.epoch();
        globalStep = start.globalStep();
        optimizer.applySchedule(optimizer.config().scheduler().interval() == LrScheduler.Interval.EPOCH
                ? currentEpoch : globalStep);
        if (strategy.isGlobalZero()) {
            for (Logger l : loggers) {
                l.logHyperparams(new LinkedHashMap<>(m.hparams()));
            }
        }
        numTrainingBatches = config.limitTrainBatches.resolve(train.numBatches());
        each(cb -> cb.onFitStart(this, m));
        m.onFitStart();
        if (val.isPresent() && config.numSanityValSteps > 0 && config.limitValBatches.resolve(val.get().numBatches()) > 0) {
            each(cb -> cb.onSanityCheckStart(this, m));
            evaluate(RunningStage.SANITY_CHECKING, m, val.get(), BatchLimit.batches(config.numSanityValSteps));
            metrics.reset();
            each(cb -> cb.onSanityCheckEnd(this, m));
        }
        each(cb -> cb.onTrainStart(this, m));
        m.onTrainStart();
        int resumeBatches = start.batchesDone();
        while (!doneTraining()) {
            trainEpoch(m, train, val, resumeBatches);
            resumeBatches = 0;
            if (status == TrainerStatus.INTERRUPTED) {
                break;
            }
            currentEpoch++;
            if (shouldStop && currentEpoch >= config.minEpochs) {
                break;
            }
        }
        each(cb -> cb.onTrainEnd(this, m));
        m.onTrainEnd();
        each(cb -> cb.onFitEnd(this, m));
        m.onFitEnd();
    }

    private boolean doneTraining() {
        if (config.maxSteps >= 0 && globalStep >= config.maxSteps) {
            return true;
        }
        return config.maxEpochs >= 0 && currentEpoch >= config.maxEpochs;
    }

    private LoopPosition restoreCheckpoint(LightningModule m, Path path) {
        Checkpoint ckpt = CheckpointIO.read(path);
        ModelState before = m.stateDict();
        try {
            m.loadStateDict(ckpt.weights());
            ckpt.optimizer().ifPresent(optimizer::loadState);
        } catch (RuntimeException e) {
            m.loadStateDict(before);
            throw new dev.raylightning.core.checkpoint.CheckpointException(
                    "checkpoint " + path + " does not fit this module: " + e.getMessage(), e);
        }
        for (Callback cb : callbacks) {
            Map<String, Object> state = ckpt.callbackStates().get(cb.stateKey());
            if (state != null) {
                cb.loadStateDict(state);
            }
        }
        m.onLoadCheckpoint(ckpt.extra());
        LOG.info("Restored {} (epoch {}, batch {}, global step {})", path, ckpt.loop().epoch(),
                ckpt.loop().batchesDone(), ckpt.loop().globalStep());
        return ckpt.loop();
    }

    private DataLoader distribute(DataLoader loader) {
        Optional<Strategy.SamplerArgs> args = strategy.distributedSamplerArgs();
        if (args.isEmpty() || loader.sampler() instanceof DistributedSampler) {
            return loader;
        }
        Strategy.SamplerArgs a = args.get();
        return loader.withSampler(new DistributedSampler(loader.dataset().size(), a.numReplicas(), a.rank(),
                loader.shuffle(), loader.seed()));
    }

    private void trainEpoch(LightningModule m, DataLoader train, Optional<DataLoader> val, int firstBatch) {
        stage = RunningStage.TRAINING;
        metrics.beginEpoch(true);
        train.setEpoch(currentEpoch);
        if (config.seed != null) {
            // Reseed per epoch so dropout and other torch randomness resume exactly at epoch starts.
            Engines.seed(config.seed * 1_000_003L + currentEpoch);
        }
        inTrainEpoch = true;
        trainBatchesThisEpoch = numTrainingBatches;
        batchesDoneInEpoch = firstBatch;
        each(cb -> cb.onTrainEpochStart(this, m));
        m.onTrainEpochStart();
        emit(ProgressEvent.Kind.EPOCH_START, -1, Double.NaN, metrics.progressBarMetrics());
        boolean validateThisEpoch = val.isPresent() && (currentEpoch + 1) % config.checkValEveryNEpoch == 0
                && config.limitValBatches.resolve(val.get().numBatches()) > 0;
        int valEvery = valInterval();
        int accumulate = config.accumulateGradBatches;
        try (DataLoader.BatchIterator it = train.iterator(firstBatch)) {
            for (int idx = firstBatch; idx < numTrainingBatches; idx++) {
                // checked before waiting for the next batch, which an interrupt would abort
                if (Thread.currentThread().isInterrupted()) {
                    LOG.warn("Trainer thread interrupted; stopping at epoch {}, batch {}", currentEpoch, idx);
                    status = TrainerStatus.INTERRUPTED;
                    break;
                }
                if (!it.hasNext()) {
                    break;
                }
                HostBatch host = it.next();
                trainStep(m, host, idx, accumulate);
                if (validateThisEpoch && ((idx + 1) % valEvery == 0 || idx + 1 == numTrainingBatches)) {
                    evaluate(RunningStage.VALIDATING, m, val.get(), config.limitValBatches);
                }
                if (config.maxSteps >= 0 && globalStep >= config.maxSteps) {
                    break;
                }
            }
        }
        Map<String, Double> row = metrics.endEpoch(strategy);
        logRow(row);
        each(cb -> cb.onTrainEpochEnd(this, m));
        m.onTrainEpochEnd();
        emit(ProgressEvent.Kind.EPOCH_END, -1, Double.NaN, metrics.progressBarMetrics());
        inTrainEpoch = false;
        if (optimizer.config().scheduler().interval() == LrScheduler.Interval.EPOCH) {
            optimizer.applySchedule(currentEpoch + 1L);
        }
    }

    private int valInterval() {
        BatchLimit v = config.valCheckInterval;
        if (v.count() >= 0) {
            return Math.max(1, v.count());
        }
        return Math.max(1, (int) Math.floor(numTrainingBatches * v.fraction()));
    }

    private void trainStep(LightningModule m, HostBatch host, int idx, int accumulate) {
        try (NDManager stepManager = m.manager().newSubManager()) {
            Batch batch = host.toBatch(stepManager);
            each(cb -> cb.onTrainBatchStart(this, m, batch, idx));
            m.setTraining(true);
            m.setCurrentBatchSize(batch.size());
            double lossValue;
            try (GradientTape tape = new GradientTape()) {
                NDArray loss = m.trainingStep(batch, idx);
                if (loss == null) {
                    throw new IllegalStateException(m.getClass().getSimpleName() + ".trainingStep returned null");
                }
                lossValue = loss.getFloat();
                NDArray scaled = accumulate > 1 ? loss.div(accumulate) : loss;
                each(cb -> cb.onBeforeBackward(this, m, scaled));
                m.onBeforeBackward(scaled);
                tape.backward(scaled);
            } finally {
                m.setTraining(false);
            }
            each(cb -> cb.onAfterBackward(this, m));
            m.onAfterBackward();
            if ((idx + 1) % accumulate == 0 || idx + 1 == numTrainingBatches) {
                each(cb -> cb.onBeforeOptimizerStep(this, m));
                m.onBeforeOptimizerStep();
                strategy.optimizerStep(new LoopOptimizerStep(m));
                globalStep++;
                if (optimizer.config().scheduler().interval() == LrScheduler.Interval.STEP) {
                    optimizer.applySchedule(globalStep);
                }
                if (globalStep % config.logEveryNSteps == 0) {
                    Map<String, Double> row = metrics.drainStepRow();
                    logRow(row);
                }
            }
            batchesDoneInEpoch = idx + 1;
            final double lv = lossValue;
            each(cb -> cb.onTrainBatchEnd(this, m, lv, batch, idx));
            emit(ProgressEvent.Kind.BATCH_END, idx, lv, metrics.progressBarMetrics());
        }
    }

    /** The optimizer step the strategy runs: clip as configured, then update. */
    private final class LoopOptimizerStep implements OptimizerStep {
        private final LightningModule m;

        LoopOptimizerStep(LightningModule m) {
            this.m = m;
        }

        @Override
        public List<NDArray> openGradients() {
            return m.parameters().openGradients();
        }

        @Override
        public void clipAndUpdate() {
            if (config.gradientClipVal > 0) {
                List<NDArray> grads = openGradients();
                try {
                    GradientClipping.clip(grads, config.gradientClipVal, config.gradientClipAlgorithm);
                } finally {
                    grads.forEach(NDArray::close);
                }
            }
            optimizer.step();
        }
    }

    private Map<String, Double> evaluate(RunningStage evalStage, LightningModule m, DataLoader rawLoader, BatchLimit limit) {
        DataLoader loader = distribute(rawLoader);
        RunningStage previous = stage;
        stage = evalStage;
        boolean sanity = evalStage == RunningStage.SANITY_CHECKING;
        boolean testing = evalStage == RunningStage.TESTING;
        MetricStore.Snapshot trainEpoch = metrics.suspendEpoch();
        metrics.beginEpoch(false);
        if (testing) {
            each(cb -> cb.onTestStart(this, m));
            each(cb -> cb.onTestEpochStart(this, m));
            m.onTestEpochStart();
        } else {
            each(cb -> cb.onValidationStart(this, m));
            each(cb -> cb.onValidationEpochStart(this, m));
            m.onValidationEpochStart();
        }
        int n = limit.resolve(loader.numBatches());
        try (DataLoader.BatchIterator it = loader.iterator(0)) {
            for (int idx = 0; idx < n && it.hasNext(); idx++) {
                HostBatch host = it.next();
                try (NDManager stepManager = m.manager().newSubManager()) {
                    Batch batch = host.toBatch(stepManager);
                    m.setCurrentBatchSize(batch.size());
                    final int i = idx;
                    if (testing) {
                        m.testStep(batch, idx);
                        each(cb -> cb.onTestBatchEnd(this, m, batch, i));
                    } else {
                        m.validationStep(batch, idx);
                        each(cb -> cb.onValidationBatchEnd(this, m, batch, i));
                    }
                }
            }
        }
        Map<String, Double> row = metrics.endEpoch(strategy);
        if (!sanity) {
            logRow(row);
        }
        if (testing) {
            m.onTestEpochEnd();
            each(cb -> cb.onTestEpochEnd(this, m));
            each(cb -> cb.onTestEnd(this, m));
        } else {
            m.onValidationEpochEnd();
            each(cb -> cb.onValidationEpochEnd(this, m));
            each(cb -> cb.onValidationEnd(this, m));
            if (!sanity && fn == TrainerFn.FITTING) {
                emit(ProgressEvent.Kind.VALIDATION_END, -1, Double.NaN, metrics.progressBarMetrics());
            }
        }
        metrics.resumeEpoch(trainEpoch);
        stage = previous;
        return row;
    }

    private List<Prediction> predictLoop(LightningModule m, DataLoader rawLoader) {
        DataLoader loader = distribute(rawLoader);
        stage = RunningStage.PREDICTING;
        each(cb -> cb.onPredictStart(this, m));
        m.onPredictEpochStart();
        List<Prediction> out = new ArrayList<>();
        int n = config.limitPredictBatches.resolve(loader.numBatches());
        try (DataLoader.BatchIterator it = loader.iterator(0)) {
            for (int idx = 0; idx < n && it.hasNext(); idx++) {
                HostBatch host = it.next();
                try (NDManager stepManager = m.manager().newSubManager()) {
                    Batch batch = host.toBatch(stepManager);
                    NDList result = m.predictStep(batch, idx);
                    HostTensor[] outputs = new HostTensor[result.size()];
                    for (int k = 0; k < outputs.length; k++) {
                        outputs[k] = toHost(result.get(k));
                    }
                    out.add(new Prediction(idx, outputs, host.indices()));
                    final int i = idx;
                    each(cb -> cb.onPredictBatchEnd(this, m, batch, i));
                }
            }
        }
        m.onPredictEpochEnd();
        each(cb -> cb.onPredictEnd(this, m));
        return out;
    }

    private static HostTensor toHost(NDArray a) {
        long[] shape = a.getShape().getShape();
        if (a.getDataType() == DataType.INT64 || a.getDataType() == DataType.INT32) {
            return HostTensor.ofLongs(a.toType(DataType.INT64, false).toLongArray(), shape);
        }
        return HostTensor.ofFloats(a.toType(DataType.FLOAT32, false).toFloatArray(), shape);
    }

    private void logRow(Map<String, Double> row) {
        if (row.isEmpty() || !strategy.isGlobalZero()) {
            return;
        }
        Map<String, Double> withEpoch = new LinkedHashMap<>(row);
        withEpoch.put("epoch", (double) currentEpoch);
        for (Logger l : loggers) {
            l.logMetrics(withEpoch, globalStep);
        }
        // distributed runs forward rows to the driver's loggers through this event
        emit(ProgressEvent.Kind.LOG_ROW, -1, Double.NaN, withEpoch);
    }

    private void finishLoggers(String how) {
        if (!strategy.isGlobalZero()) {
            return;
        }
        for (Logger l : loggers) {
            try {
                l.finish(how);
            } catch (RuntimeException e) {
                LOG.warn("logger {} failed to finish: {}", l.name(), e.toString());
            }
        }
    }

    private void each(Consumer<Callback> hook) {
        for (Callback cb : callbacks) {
            hook.accept(cb);
        }
    }

    // ---- called by the module and callbacks ---------------------------------------------------

    void logFromModule(String name, double value, LogOptions options, int batchSize) {
        if (stage == null) {
            throw new IllegalStateException("log('" + name + "') called outside a step");
        }
        if (stage == RunningStage.PREDICTING) {
            throw new IllegalStateException("log('" + name + "') is not allowed in predict");
        }
        metrics.log(name, value, options, Math.max(1, batchSize), strategy);
    }

    /** Asks the loop to stop (early stopping); honoured at the end of the epoch after minEpochs. */
    public void requestStop() {
        shouldStop = true;
    }

    /**
     * Saves a checkpoint of the current module, optimizer, loop position and callback states.
     * Only global rank zero writes; others return without writing.
     */
    public void saveCheckpoint(Path path) {
        if (!strategy.isGlobalZero()) {
            return;
        }
        CheckpointIO.write(buildCheckpoint(), path);
    }

    /** The checkpoint of the current state, without writing it. */
    public Checkpoint buildCheckpoint() {
        LightningModule m = module;
        if (m == null) {
            throw new IllegalStateException("saveCheckpoint needs a module: call it during or after a run");
        }
        Map<String, Map<String, Object>> states = new LinkedHashMap<>();
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Callback cb : callbacks) {
            states.put(cb.stateKey(), cb.stateDict());
            cb.onSaveCheckpoint(this, m, extra);
        }
        m.onSaveCheckpoint(extra);
        return new Checkpoint(m.getClass().getName(), loopPosition(), m.stateDict(),
                optimizer != null ? optimizer.exportState() : lastOptimizerState, m.hparams(), states, extra);
    }

    /** Where a fit resumed from a checkpoint taken now would continue. */
    public LoopPosition loopPosition() {
        if (inTrainEpoch && batchesDoneInEpoch < trainBatchesThisEpoch) {
            return new LoopPosition(currentEpoch, batchesDoneInEpoch, globalStep);
        }
        return new LoopPosition(inTrainEpoch ? currentEpoch + 1 : currentEpoch, 0, globalStep);
    }

    // ---- state --------------------------------------------------------------------------------

    public TrainerState state() {
        return new TrainerState(status, Optional.ofNullable(fn), Optional.ofNullable(stage));
    }

    public TrainerStatus status() {
        return status;
    }

    public Optional<RunningStage> stage() {
        return Optional.ofNullable(stage);
    }

    public boolean sanityChecking() {
        return stage == RunningStage.SANITY_CHECKING;
    }

    public int currentEpoch() {
        return currentEpoch;
    }

    public long globalStep() {
        return globalStep;
    }

    public boolean shouldStop() {
        return shouldStop;
    }

    /** Training batches per epoch after limits. */
    public int numTrainingBatches() {
        return numTrainingBatches;
    }

    public int maxEpochs() {
        return config.maxEpochs;
    }

    public Map<String, Double> callbackMetrics() {
        return metrics.callbackMetrics();
    }

    public Map<String, Double> loggedMetrics() {
        return metrics.loggedMetrics();
    }

    public Map<String, Double> progressBarMetrics() {
        return metrics.progressBarMetrics();
    }

    public Strategy strategy() {
        return strategy;
    }

    public boolean isGlobalZero() {
        return strategy.isGlobalZero();
    }

    public List<Callback> callbacks() {
        return callbacks;
    }

    public List<Logger> loggers() {
        return Collections.unmodifiableList(loggers);
    }

    public TrainerConfig config() {
        return config;
    }

    public Path defaultRootDir() {
        return Path.of(config.defaultRootDir);
    }

    /** The first logger's directory if it has one, else the default root dir. */
    public Path logDir() {
        for (Logger l : loggers) {
            if (l.logDir().isPresent()) {
                return l.logDir().get();
            }
        }
        return defaultRootDir();
    }

    /** The first {@link ModelCheckpoint} callback, Lightning's {@code checkpoint_callback}. */
    public Optional<ModelCheckpoint> checkpointCallback() {
        return callbacks.stream().filter(c -> c instanceof ModelCheckpoint).map(c -> (ModelCheckpoint) c).findFirst();
    }

    /** The current learning rate, while fitting. */
    public Optional<Double> learningRate() {
        return optimizer == null ? Optional.empty() : Optional.of(optimizer.learningRate());
    }

    // ---- builder ------------------------------------------------------------------------------

    /** Builds a {@link Trainer}; every setter validates its argument and names it on error. */
    public static final class Builder {
        int maxEpochs = -2;
        int minEpochs = 0;
        long maxSteps = -1;
        BatchLimit limitTrainBatches = BatchLimit.ALL;
        BatchLimit limitValBatches = BatchLimit.ALL;
        BatchLimit limitTestBatches = BatchLimit.ALL;
        BatchLimit limitPredictBatches = BatchLimit.ALL;
        BatchLimit valCheckInterval = BatchLimit.ALL;
        int checkValEveryNEpoch = 1;
        int numSanityValSteps = 2;
        int accumulateGradBatches = 1;
        double gradientClipVal = 0;
        TrainerConfig.ClipAlgorithm gradientClipAlgorithm = TrainerConfig.ClipAlgorithm.NORM;
        Long seed;
        String defaultRootDir = Path.of("").toAbsolutePath().toString();
        List<Callback> callbacks = new ArrayList<>();
        List<Logger> loggers;
        boolean enableLogger = true;
        boolean enableProgressBar = true;
        boolean enableCheckpointing = true;
        int logEveryNSteps = 50;
        Strategy strategy;

        Builder() {}

        private static IllegalArgumentException bad(String arg, Object value, String rule) {
            return new IllegalArgumentException(arg + " " + rule + ", got " + value);
        }

        /** Stop after this many epochs; -1 for no limit (then maxSteps must be set). Default 1000. */
        public Builder maxEpochs(int n) {
            if (n < -1) {
                throw bad("maxEpochs", n, "must be >= -1");
            }
            maxEpochs = n;
            return this;
        }

        public Builder minEpochs(int n) {
            if (n < 0) {
                throw bad("minEpochs", n, "must be >= 0");
            }
            minEpochs = n;
            return this;
        }

        /** Stop after this many optimizer steps; -1 for no limit. */
        public Builder maxSteps(long n) {
            if (n < -1) {
                throw bad("maxSteps", n, "must be >= -1");
            }
            maxSteps = n;
            return this;
        }

        public Builder limitTrainBatches(BatchLimit l) {
            limitTrainBatches = nonNull("limitTrainBatches", l);
            return this;
        }

        public Builder limitTrainBatches(int n) {
            return limitTrainBatches(limit("limitTrainBatches", n));
        }

        public Builder limitTrainBatches(double f) {
            return limitTrainBatches(fraction("limitTrainBatches", f));
        }

        public Builder limitValBatches(BatchLimit l) {
            limitValBatches = nonNull("limitValBatches", l);
            return this;
        }

        public Builder limitValBatches(int n) {
            return limitValBatches(limit("limitValBatches", n));
        }

        public Builder limitValBatches(double f) {
            return limitValBatches(fraction("limitValBatches", f));
        }

        public Builder limitTestBatches(BatchLimit l) {
            limitTestBatches = nonNull("limitTestBatches", l);
            return this;
        }

        public Builder limitTestBatches(int n) {
            return limitTestBatches(limit("limitTestBatches", n));
        }

        public Builder limitTestBatches(double f) {
            return limitTestBatches(fraction("limitTestBatches", f));
        }

        public Builder limitPredictBatches(double f) {
            return limitPredictBatches(fraction("limitPredictBatches", f));
        }

        public Builder limitPredictBatches(BatchLimit l) {
            limitPredictBatches = nonNull("limitPredictBatches", l);
            return this;
        }

        public Builder limitPredictBatches(int n) {
            return limitPredictBatches(limit("limitPredictBatches", n));
        }

        /** Validate every {@code n} training batches (and at each epoch's end). */
        public Builder valCheckInterval(int n) {
            if (n < 1) {
                throw bad("valCheckInterval", n, "must be >= 1 batch");
            }
            valCheckInterval = BatchLimit.batches(n);
            return this;
        }

        /** Validate after this fraction of each epoch's batches, e.g. 0.25 for four times an epoch. */
        public Builder valCheckInterval(double f) {
            if (!(f > 0 && f <= 1)) {
                throw bad("valCheckInterval", f, "must be in (0, 1]");
            }
            valCheckInterval = BatchLimit.fraction(f);
            return this;
        }

        Builder valCheckInterval(BatchLimit l) {
            valCheckInterval = nonNull("valCheckInterval", l);
            return this;
        }

        public Builder checkValEveryNEpoch(int n) {
            if (n < 1) {
                throw bad("checkValEveryNEpoch", n, "must be >= 1");
            }
            checkValEveryNEpoch = n;
            return this;
        }

        /** Validation batches run before training to catch bugs early; 0 disables. Default 2. */
        public Builder numSanityValSteps(int n) {
            if (n < 0) {
                throw bad("numSanityValSteps", n, "must be >= 0");
            }
            numSanityValSteps = n;
            return this;
        }

        public Builder accumulateGradBatches(int n) {
            if (n < 1) {
                throw bad("accumulateGradBatches", n, "must be >= 1");
            }
            accumulateGradBatches = n;
            return this;
        }

        /** Clip gradients to this norm or value (see {@link #gradientClipAlgorithm}); 0 disables. */
        public Builder gradientClipVal(double v) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw bad("gradientClipVal", v, "must be a finite number >= 0");
            }
            gradientClipVal = v;
            return this;
        }

        public Builder gradientClipAlgorithm(TrainerConfig.ClipAlgorithm a) {
            gradientClipAlgorithm = nonNull("gradientClipAlgorithm", a);
            return this;
        }

        /** Seeds weights, shuffling and torch randomness, Lightning's {@code seed_everything}. */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** Where logs and checkpoints go by default (the working directory if unset). */
        public Builder defaultRootDir(Path dir) {
            defaultRootDir = nonNull("defaultRootDir", dir).toAbsolutePath().toString();
            return this;
        }

        Builder defaultRootDir(String dir) {
            defaultRootDir = nonNull("defaultRootDir", dir);
            return this;
        }

        public Builder callbacks(List<? extends Callback> cbs) {
            nonNull("callbacks", cbs);
            for (Callback c : cbs) {
                nonNull("callbacks element", c);
            }
            callbacks = new ArrayList<>(cbs);
            return this;
        }

        public Builder callbacks(Callback... cbs) {
            return callbacks(List.of(cbs));
        }

        /** Explicit loggers; by default a {@link CsvLogger} under the root dir. */
        public Builder loggers(List<? extends Logger> ls) {
            nonNull("loggers", ls);
            loggers = new ArrayList<>(ls);
            enableLogger = true;
            return this;
        }

        public Builder loggers(Logger... ls) {
            return loggers(List.of(ls));
        }

        /** {@code false} disables logging (Lightning's {@code logger=False}). */
        public Builder logger(boolean enabled) {
            enableLogger = enabled;
            return this;
        }

        public Builder enableProgressBar(boolean enabled) {
            enableProgressBar = enabled;
            return this;
        }

        /** Adds a default {@link ModelCheckpoint} unless one is given; false forbids checkpoint callbacks. */
        public Builder enableCheckpointing(boolean enabled) {
            enableCheckpointing = enabled;
            return this;
        }

        public Builder logEveryNSteps(int n) {
            if (n < 1) {
                throw bad("logEveryNSteps", n, "must be >= 1");
            }
            logEveryNSteps = n;
            return this;
        }

        public Builder strategy(Strategy s) {
            strategy = nonNull("strategy", s);
            return this;
        }

        private static <T> T nonNull(String arg, T v) {
            if (v == null) {
                throw new IllegalArgumentException(arg + " must not be null");
            }
            return v;
        }

        private static BatchLimit limit(String arg, int n) {
            if (n < 0) {
                throw bad(arg, n, "must be >= 0 batches");
            }
            return BatchLimit.batches(n);
        }

        private static BatchLimit fraction(String arg, double f) {
            if (!(f >= 0 && f <= 1)) {
                throw bad(arg, f, "must be a fraction in [0, 1]");
            }
            return BatchLimit.fraction(f);
        }

        public Trainer build() {
            if (maxEpochs == -2) {
                maxEpochs = maxSteps >= 0 ? -1 : 1000;
            }
            if (maxEpochs == -1 && maxSteps == -1) {
                throw new IllegalArgumentException("maxEpochs is -1 (unlimited): set maxSteps, or the run never ends");
            }
            TrainerConfig cfg = TrainerConfig.of(this);
            List<Logger> ls;
            if (!enableLogger) {
                ls = List.of();
            } else if (loggers != null) {
                ls = List.copyOf(loggers);
            } else {
                ls = List.of(CsvLogger.builder(Path.of(defaultRootDir)).build());
            }
            return new Trainer(cfg, ls, true);
        }
    }
}
