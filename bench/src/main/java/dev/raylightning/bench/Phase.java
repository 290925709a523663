package dev.raylightning.bench;

/**
 * Where a training step spends its time, for {@code --profile}. The boundaries are the
 * trainer's callback hooks, and the same points in the baseline loop.
 */
public enum Phase {
    /** Closing the previous step's arrays, fetching and collating the batch, copying it to native memory. */
    BATCH,
    /** Forward pass and loss (and, in the trainer, the module's log call and the loss read-back). */
    FORWARD,
    /** Seeding the backward pass and running it. */
    BACKWARD,
    /** Optimizer update and gradient zeroing, plus the loop's bookkeeping after it. */
    OPTIMIZER
}
