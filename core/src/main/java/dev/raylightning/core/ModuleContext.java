package dev.raylightning.core;

import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.metrics.LogOptions;

/**
 * What a {@link LightningModule} sees of the run it takes part in: the trainer, whether the
 * current step trains, and where {@code log} goes. The trainer's loops attach one for the length
 * of a run; user code does not implement it.
 */
public interface ModuleContext {

    TrainerView trainer();

    /** Whether the current step trains (dropout on, batch-norm statistics updated). */
    boolean training();

    /** Records a value logged by the module in the current step. */
    void log(String name, double value, LogOptions options);
}
