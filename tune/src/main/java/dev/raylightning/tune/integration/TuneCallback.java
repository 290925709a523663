package dev.raylightning.tune.integration;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.callbacks.TrainerView;

/**
 * Base of the Tune callbacks: turns the chosen Lightning hook into one {@link #handle} call,
 * never during sanity validation (as Ray Tune's Lightning integration).
 */
public abstract class TuneCallback implements Callback {

    private static final long serialVersionUID = 1L;

    private final TuneHook on;

    protected TuneCallback(TuneHook on) {
        checkArgument(on != null, "on must not be null");
        this.on = on;
    }

    /** The hook this callback acts on. */
    public TuneHook on() {
        return on;
    }

    /** Called on every rank at the chosen hook, outside sanity validation. */
    protected abstract void handle(TrainerView trainer, LightningModule module);

    private void fire(TuneHook hook, TrainerView trainer, LightningModule module) {
        if (hook == on && !trainer.sanityChecking()) {
            handle(trainer, module);
        }
    }

    @Override
    public void onValidationEnd(TrainerView trainer, LightningModule module) {
        fire(TuneHook.VALIDATION_END, trainer, module);
    }

    @Override
    public void onValidationEpochEnd(TrainerView trainer, LightningModule module) {
        fire(TuneHook.VALIDATION_EPOCH_END, trainer, module);
    }

    @Override
    public void onTrainEpochEnd(TrainerView trainer, LightningModule module) {
        fire(TuneHook.TRAIN_EPOCH_END, trainer, module);
    }

    @Override
    public void onTrainEnd(TrainerView trainer, LightningModule module) {
        fire(TuneHook.TRAIN_END, trainer, module);
    }

    @Override
    public void onFitEnd(TrainerView trainer, LightningModule module) {
        fire(TuneHook.FIT_END, trainer, module);
    }

    @Override
    public void onTestEnd(TrainerView trainer, LightningModule module) {
        fire(TuneHook.TEST_END, trainer, module);
    }

    @Override
    public void onTestEpochEnd(TrainerView trainer, LightningModule module) {
        fire(TuneHook.TEST_EPOCH_END, trainer, module);
    }

    @Override
    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int batchIdx) {
        fire(TuneHook.TRAIN_BATCH_END, trainer, module);
    }
}
