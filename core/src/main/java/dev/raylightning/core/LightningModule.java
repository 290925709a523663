package dev.raylightning.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.CheckpointException;
import dev.raylightning.core.checkpoint.CheckpointIO;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.engine.Engines;
import dev.raylightning.core.engine.ModelParameters;
import dev.raylightning.core.metrics.LogOptions;
import dev.raylightning.core.optim.OptimizerConfig;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Lightning's {@code LightningModule}: a model with its training, validation, test and predict
 * steps, its optimizer and its hooks.
 *
 * <p>A module is a serializable <em>recipe</em>: its fields are hyper-parameters, and its DJL
 * state (the {@link Block} and its native weights) is built on demand by {@link #block()} in
 * whatever process runs it. Distributed strategies ship the recipe and the weights separately.
 * Close the module to free its native memory.
 */
public abstract class LightningModule implements Serializable, AutoCloseable {

    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, Object> hparams = new LinkedHashMap<>();
    private transient NDManager manager;
    private transient Block block;
    private transient ParameterStore parameterStore;
    private transient ModelParameters parameters;
    private transient ModuleContext context;

    // ---- what a subclass defines ------------------------------------------------------------

    /** Builds the network, e.g. a {@code SequentialBlock}. Called once per process. */
    protected abstract Block configureBlock();

    /** Input shapes used to initialise the block, batch dimension included (e.g. {@code (1, 784)}). */
    protected abstract Shape[] inputShapes();

    /** One training step: returns the scalar loss to back-propagate. */
    public abstract NDArray trainingStep(Batch batch, int batchIdx);

    /** One validation step; log metrics with {@link #log}. */
    public void validationStep(Batch batch, int batchIdx) {}

    /** One test step; log metrics with {@link #log}. */
    public void testStep(Batch batch, int batchIdx) {}

    /** One prediction step; by default the forward pass. The trainer copies the result out. */
    public NDList predictStep(Batch batch, int batchIdx) {
        return forward(batch.inputs());
    }

    /** The optimizer and its schedule; Adam with rate 1e-3 by default. */
    public OptimizerConfig configureOptimizers() {
        return OptimizerConfig.adam(1e-3);
    }

    // ---- hooks (Lightning's ModelHooks) -------------------------------------------------------

    /** Called on every rank when a run starts, before any other hook (Lightning's {@code setup}). */
    public void setup(TrainerFn fn) {}

    /** Called on every rank when a run ends, also on failure. */
    public void teardown(TrainerFn fn) {}

    public void onFitStart() {}

    public void onFitEnd() {}

    public void onTrainStart() {}

    public void onTrainEnd() {}

    public void onTrainEpochStart() {}

    public void onTrainEpochEnd() {}

    public void onTrainBatchStart(Batch batch, int batchIdx) {}

    /** After the step; {@code loss} is the step's loss value (before accumulation scaling). */
    public void onTrainBatchEnd(double loss, Batch batch, int batchIdx) {}

    public void onValidationStart() {}

    public void onValidationEnd() {}

    public void onValidationEpochStart() {}

    public void onValidationEpochEnd() {}

    public void onValidationBatchEnd(Batch batch, int batchIdx) {}

    public void onTestStart() {}

    public void onTestEnd() {}

    public void onTestEpochStart() {}

    public void onTestEpochEnd() {}

    public void onTestBatchEnd(Batch batch, int batchIdx) {}

    public void onPredictStart() {}

    public void onPredictEnd() {}

    public void onPredictEpochStart() {}

    public void onPredictEpochEnd() {}

    public void onPredictBatchEnd(Batch batch, int batchIdx) {}

    public void onBeforeBackward(NDArray loss) {}

    public void onAfterBackward() {}

    public void onBeforeOptimizerStep() {}

    /** Adds entries to a checkpoint being saved (JSON-compatible values). */
    public void onSaveCheckpoint(Map<String, Object> extra) {}

    /** Reads the entries {@link #onSaveCheckpoint} added. */
    public void onLoadCheckpoint(Map<String, Object> extra) {}

    // ---- the model ----------------------------------------------------------------------------

    /** The block, built and initialised on first use (seeded if the trainer has a seed). */
    public final Block block() {
        if (block == null) {
            Engines.pytorch();
            manager = NDManager.newBaseManager();
            Block b = configureBlock();
            if (b == null) {
                throw new IllegalStateException(getClass().getName() + ".configureBlock() returned null");
            }
            b.initialize(manager, DataType.FLOAT32, inputShapes());
            block = b;
            parameterStore = new ParameterStore(manager, false);
            parameters = ModelParameters.of(block);
        }
        return block;
    }

    /** Whether the block exists in this process. */
    public final boolean isBuilt() {
        return block != null;
    }

    /** The parameters in block order. */
    public final ModelParameters parameters() {
        block();
        return parameters;
    }

    /** The manager that owns the weights; arrays created in steps belong to per-step managers. */
    public final NDManager manager() {
        block();
        return manager;
    }

    /** Runs the block in the current mode (training inside training steps, else inference). */
    public NDList forward(NDList inputs) {
        return block().forward(parameterStore, inputs, isTraining());
    }

    /** Runs the block on one input array. */
    public NDArray forward(NDArray input) {
        return forward(new NDList(input)).singletonOrThrow();
    }

    /** Whether the block runs in training mode (dropout active, batch-norm statistics updated). */
    public final boolean isTraining() {
        return context != null && context.training();
    }

    /** A copy of the current weights. */
    public final ModelState stateDict() {
        return ModelState.capture(parameters());
    }

    /** Overwrites the weights; checks every name and shape first. */
    public final void loadStateDict(ModelState state) {
        state.restoreInto(parameters());
    }

    // ---- logging ------------------------------------------------------------------------------

    /** Logs a value with Lightning's default options for the current stage. */
    public final void log(String name, double value) {
        log(name, value, LogOptions.defaults());
    }

    /** Logs a scalar array's value. */
    public final void log(String name, NDArray value, LogOptions options) {
        log(name, value.getFloat(), options);
    }

    /** Logs a value; the batch size of the current step weights its epoch mean. */
    public final void log(String name, double value, LogOptions options) {
        if (context == null) {
            throw new IllegalStateException("log('" + name + "') called outside a trainer run");
        }
        context.log(name, value, options);
    }

    /** The trainer running this module, when inside a run. */
    public final Optional<TrainerView> trainer() {
        return Optional.ofNullable(context).map(ModuleContext::trainer);
    }

    /** Attaches the module to a run (null detaches it); called by the trainer's loops. */
    public final void attach(ModuleContext context) {
        this.context = context;
    }

    // ---- hyper-parameters -----------------------------------------------------------------------

    /** Records hyper-parameters (Lightning's {@code save_hyperparameters}); loggers and checkpoints store them. */
    protected final void saveHyperparameters(Map<String, ?> values) {
        hparams.putAll(values);
    }

    /** The saved hyper-parameters. */
    public final Map<String, Object> hparams() {
        return Collections.unmodifiableMap(hparams);
    }

    /**
     * Builds a module from a checkpoint: {@code factory} receives the saved hyper-parameters,
     * then the checkpoint's weights are loaded into the new module. A file that is not a valid
     * checkpoint, or weights that do not fit the module, are refused with a
     * {@link CheckpointException} (and the new module is closed).
     */
    public static <M extends LightningModule> M loadFromCheckpoint(Path path, Function<Map<String, Object>, M> factory) {
        Checkpoint ckpt = CheckpointIO.read(path);
        M module = factory.apply(ckpt.hyperParameters());
        try {
            module.loadStateDict(ckpt.weights());
            module.onLoadCheckpoint(ckpt.extra());
        } catch (IllegalArgumentException e) {
            module.close();
            throw new CheckpointException("checkpoint " + path + " does not fit this module: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
        return module;
    }

    /** Frees the native weights; the recipe stays usable and rebuilds on next use. */
    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
        manager = null;
        block = null;
        parameterStore = null;
        parameters = null;
    }
}
