package dev.raylightning.core.checkpoint;

import java.io.Serializable;

/**
 * Where a resumed fit continues: epoch {@code epoch}, after its first {@code batchesDone}
 * training batches, with {@code globalStep} optimizer steps already taken.
 */
public record LoopPosition(int epoch, int batchesDone, long globalStep) implements Serializable {

    public static final LoopPosition START = new LoopPosition(0, 0, 0);

    public LoopPosition {
        if (epoch < 0 || batchesDone < 0 || globalStep < 0) {
            throw new IllegalArgumentException("negative loop position: " + epoch + "/" + batchesDone + "/" + globalStep);
        }
    }
}
