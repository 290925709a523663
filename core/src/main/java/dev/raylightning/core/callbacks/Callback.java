package dev.raylightning.core.callbacks;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.TrainerFn;
import dev.raylightning.core.data.Batch;

import java.io.Serializable;
import java.util.Map;

/**
 * Lightning's {@code Callback}: hooks into the loop, all no-ops by default. Each hook runs on
 * every callback, in the trainer's order, before the module's hook of the same name
 * ({@code docs/hooks.md} lists the whole order). Callbacks are shipped
 * to worker processes by distributed strategies, so they are serializable; state that must
 * survive checkpoints or return to the driver goes through {@link #stateDict()}.
 */
public interface Callback extends Serializable {

    /** Key of this callback's state in checkpoints; unique per callback instance in a trainer. */
    default String stateKey() {
        return getClass().getSimpleName();
    }

    default void setup(TrainerView trainer, LightningModule module, TrainerFn fn) {}

    default void teardown(TrainerView trainer, LightningModule module, TrainerFn fn) {}

    default void onFitStart(TrainerView trainer, LightningModule module) {}

    default void onFitEnd(TrainerView trainer, LightningModule module) {}

    default void onSanityCheckStart(TrainerView trainer, LightningModule module) {}

    default void onSanityCheckEnd(TrainerView trainer, LightningModule module) {}

    default void onTrainStart(TrainerView trainer, LightningModule module) {}

    default void onTrainEnd(TrainerView trainer, LightningModule module) {}

    default void onTrainEpochStart(TrainerView trainer, LightningModule module) {}

    default void onTrainEpochEnd(TrainerView trainer, LightningModule module) {}

    default void onTrainBatchStart(TrainerView trainer, LightningModule module, Batch batch, int batchIdx) {}

    /** After the step; {@code loss} is the step's loss value (before accumulation scaling). */
    default void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int batchIdx) {}

    default void onValidationStart(TrainerView trainer, LightningModule module) {}

    default void onValidationEnd(TrainerView trainer, LightningModule module) {}

    default void onValidationEpochStart(TrainerView trainer, LightningModule module) {}

    default void onValidationEpochEnd(TrainerView trainer, LightningModule module) {}

    default void onValidationBatchEnd(TrainerView trainer, LightningModule module, Batch batch, int batchIdx) {}

    default void onTestStart(TrainerView trainer, LightningModule module) {}

    default void onTestEnd(TrainerView trainer, LightningModule module) {}

    default void onTestEpochStart(TrainerView trainer, LightningModule module) {}

    default void onTestEpochEnd(TrainerView trainer, LightningModule module) {}

    default void onTestBatchEnd(TrainerView trainer, LightningModule module, Batch batch, int batchIdx) {}

    default void onPredictStart(TrainerView trainer, LightningModule module) {}

    default void onPredictEnd(TrainerView trainer, LightningModule module) {}

    default void onPredictEpochStart(TrainerView trainer, LightningModule module) {}

    default void onPredictEpochEnd(TrainerView trainer, LightningModule module) {}

    default void onPredictBatchEnd(TrainerView trainer, LightningModule module, Batch batch, int batchIdx) {}

    default void onBeforeBackward(TrainerView trainer, LightningModule module, NDArray loss) {}

    default void onAfterBackward(TrainerView trainer, LightningModule module) {}

    default void onBeforeOptimizerStep(TrainerView trainer, LightningModule module) {}

    /** A run failed with {@code error}; called before the exception leaves {@code fit}. */
    default void onException(TrainerView trainer, LightningModule module, Throwable error) {}

    /**
     * Receives what this callback sent with {@link TrainerView#sendToDriver} on rank zero. Runs on
     * the driver: right away in a local run, and in order with the streamed progress when the
     * run happens in worker processes (the driver holds its own copy of this callback).
     */
    default void onDriverMessage(TrainerView trainer, Serializable payload) {}

    /** Adds entries to a checkpoint being saved. */
    default void onSaveCheckpoint(TrainerView trainer, LightningModule module, Map<String, Object> checkpointExtra) {}

    /** This callback's state, JSON-compatible (numbers, strings, booleans, lists, maps). */
    default Map<String, Object> stateDict() {
        return Map.of();
    }

    /**
     * Refuses, with an {@link IllegalArgumentException}, a saved state that {@link #loadStateDict}
     * could not take. A checkpoint is resumed only after every callback accepted its state, so a
     * callback whose loading can fail checks here and loads without failing.
     */
    default void checkStateDict(Map<String, Object> state) {}

    /**
     * Restores state from {@link #stateDict()}, as read back from a checkpoint: numbers may come
     * back as doubles, non-finite ones as strings, and any value may be missing or of another type.
     */
    default void loadStateDict(Map<String, Object> state) {}
}
