package dev.raylightning.core.checkpoint;

import java.io.Serializable;

/**
 * Where a resumed fit continues: epoch {@code epoch}, after its first {@code batchesDone}
 * training batches, with {@code globalStep} optimizer steps already taken. {@code samplesBefore}
 * is non-zero only in an epoch that an elastic fit continued at another world size: the
 * positions of the epoch's sample order that the earlier workers trained on before this run's
 * first batch of the epoch (its batches shard only the rest).
 */
public record LoopPosition(int epoch, int batchesDone, long globalStep, long samplesBefore) implements Serializable {

    public static final LoopPosition START = new LoopPosition(0, 0, 0);

    public LoopPosition {
        if (epoch < 0 || batchesDone < 0 || globalStep < 0 || samplesBefore < 0) {
            throw new IllegalArgumentException("negative loop position: " + epoch + "/" + batchesDone + "/" + globalStep
                    + "/" + samplesBefore);
        }
    }

    /** A position in an epoch whose sample order is trained from its start. */
    public LoopPosition(int epoch, int batchesDone, long globalStep) {
        this(epoch, batchesDone, globalStep, 0);
    }
}
