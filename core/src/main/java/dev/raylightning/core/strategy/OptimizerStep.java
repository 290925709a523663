package dev.raylightning.core.strategy;

import ai.djl.ndarray.NDArray;

import java.util.List;

/** What a {@link Strategy} gets to run one optimizer step. */
public interface OptimizerStep {

    /** Fresh handles on the trainable parameters' gradients, block order; the caller closes them. */
    List<NDArray> openGradients();

    /** Clips gradients as the trainer is configured, updates weights and zeroes gradients. */
    void clipAndUpdate();
}
