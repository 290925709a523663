package dev.raylightning.core;

import dev.raylightning.core.data.HostTensor;

import java.io.Serializable;

/**
 * The output of one predict step, copied out of native memory, with its batch index and the
 * dataset indices of its rows (null when unknown).
 */
public record Prediction(int batchIdx, HostTensor[] outputs, int[] indices) implements Serializable {

    public Prediction(int batchIdx, HostTensor[] outputs) {
        this(batchIdx, outputs, null);
    }

    /** The single output; fails if the step returned several. */
    public HostTensor output() {
        if (outputs.length != 1) {
            throw new IllegalStateException("prediction has " + outputs.length + " outputs");
        }
        return outputs[0];
    }
}
