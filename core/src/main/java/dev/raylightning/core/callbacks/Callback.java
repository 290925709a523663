package dev.raylightning.core.callbacks;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerFn;
import dev.raylightning.core.data.Batch;

import java.io.Serializable;
import java.util.Map;

/**
 * Lightning's {@code Callback}: hooks into the loop, all no-ops by default. Callbacks are shipped
 * to worker processes by distributed strategies, so they are serializable; state that must
 * survive checkpoints or return to the driver goes through {@link #stateDict()}.
 */
public interface Callback extends Serializable {

    /** Key of this callback's state in checkpoints; unique per callback instance in a trainer. */
    default String stateKey() {
        return getClass().getSimpleName();
    }

    default void setup(Trainer trainer, LightningModule module, TrainerFn fn) {}

    default void teardown(Trainer trainer, LightningModule module, TrainerFn fn) {}

    default void onFitStart(Trainer trainer, LightningModule module) {}

    default void onFitEnd(Trainer trainer, LightningModule module) {}

    default void onSanityCheckStart(Trainer trainer, LightningModule module) {}

    default void onSanityCheckEnd(Trainer trainer, LightningModule module) {}

    default void onTrainStart(Trainer trainer, LightningModule module) {}

    default void onTrainEnd(Trainer trainer, LightningModule module) {}

    default void onTrainEpochStart(Trainer trainer, LightningModule module) {}

    default void onTrainEpochEnd(Trainer trainer, LightningModule module) {}

    default void onTrainBatchStart(Trainer trainer, LightningModule module, Batch batch, int batchIdx) {}

    /** After the step; {@code loss} is the step's loss value (before accumulation scaling). */
    default void onTrainBatchEnd(Trainer trainer, LightningModule module, double loss, Batch batch, int batchIdx) {}

    default void onValidationStart(Trainer trainer, LightningModule module) {}

    default void onValidationEnd(Trainer trainer, LightningModule module) {}

    default void onValidationEpochStart(Trainer trainer, LightningModule module) {}

    default void onValidationEpochEnd(Trainer trainer, LightningModule module) {}

    default void onValidationBatchEnd(Trainer trainer, LightningModule module, Batch batch, int batchIdx) {}

    default void onTestStart(Trainer trainer, LightningModule module) {}

    default void onTestEnd(Trainer trainer, LightningModule module) {}

    default void onTestEpochStart(Trainer trainer, LightningModule module) {}

    default void onTestEpochEnd(Trainer trainer, LightningModule module) {}

    default void onTestBatchEnd(Trainer trainer, LightningModule module, Batch batch, int batchIdx) {}

    default void onPredictStart(Trainer trainer, LightningModule module) {}

    default void onPredictEnd(Trainer trainer, LightningModule module) {}

    default void onPredictBatchEnd(Trainer trainer, LightningModule module, Batch batch, int batchIdx) {}

    default void onBeforeBackward(Trainer trainer, LightningModule module, NDArray loss) {}

    default void onAfterBackward(Trainer trainer, LightningModule module) {}

    default void onBeforeOptimizerStep(Trainer trainer, LightningModule module) {}

    /** A run failed with {@code error}; called before the exception leaves {@code fit}. */
    default void onException(Trainer trainer, LightningModule module, Throwable error) {}

    /**
     * Receives what this callback sent with {@link Trainer#sendToDriver} on rank zero. Runs on
     * the driver: right away in a local run, and in order with the streamed progress when the
     * run happens in worker processes (the driver holds its own copy of this callback).
     */
    default void onDriverMessage(Trainer trainer, Serializable payload) {}

    /** Adds entries to a checkpoint being saved. */
    default void onSaveCheckpoint(Trainer trainer, LightningModule module, Map<String, Object> checkpointExtra) {}

    /** This callback's state, JSON-compatible (numbers, strings, booleans, lists, maps). */
    default Map<String, Object> stateDict() {
        return Map.of();
    }

    /** Restores state from {@link #stateDict()}; numbers may come back as doubles. */
    default void loadStateDict(Map<String, Object> state) {}
}
