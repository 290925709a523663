package dev.raylightning.core.data;

import ai.djl.ndarray.NDList;

/**
 * What a step receives: inputs and labels as native arrays. The trainer owns their memory and
 * frees it after the step; a step that keeps an array past its return must {@code detach()} it.
 */
public record Batch(NDList inputs, NDList labels, int size) {

    /** The single input array; fails if the batch has several. */
    public ai.djl.ndarray.NDArray input() {
        return inputs.singletonOrThrow();
    }

    /** The single label array; fails if the batch has several. */
    public ai.djl.ndarray.NDArray label() {
        return labels.singletonOrThrow();
    }
}
