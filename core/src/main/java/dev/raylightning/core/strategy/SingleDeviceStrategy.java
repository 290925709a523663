package dev.raylightning.core.strategy;

import java.io.Serializable;

/** One process, one device: the loop runs in the calling thread and nothing is reduced. */
public final class SingleDeviceStrategy extends IdentityCollectivesStrategy {

    private static final long serialVersionUID = 1L;

    @Override
    public int worldSize() {
        return 1;
    }

    /** Only source 0 exists in a group of one. */
    @Override
    public <T extends Serializable> T broadcast(T value, int src) {
        if (src != 0) {
            throw new IllegalArgumentException("src must be 0 with one process, got " + src);
        }
        return value;
    }

    /** Nothing to reduce: skip opening gradient handles and go straight to the update. */
    @Override
    public void optimizerStep(OptimizerStep step) {
        step.clipAndUpdate();
    }

    @Override
    public String toString() {
        return "SingleDeviceStrategy";
    }
}
