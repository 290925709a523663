package dev.raylightning.core.strategy;

import dev.raylightning.core.collective.ReduceOp;

import java.io.Serializable;

/**
 * A strategy as seen from a process that is rank zero and talks to no peer: one device alone, or
 * the driver of a launcher whose ranks run elsewhere (the driver only builds the request and
 * restores rank zero's result). Barriers do nothing, and broadcast and reduce return their input.
 */
public abstract class IdentityCollectivesStrategy implements Strategy {

    private static final long serialVersionUID = 1L;

    @Override
    public int globalRank() {
        return 0;
    }

    @Override
    public int localRank() {
        return 0;
    }

    @Override
    public int nodeRank() {
        return 0;
    }

    @Override
    public void barrier(String name) {}

    @Override
    public <T extends Serializable> T broadcast(T value, int src) {
        return value;
    }

    @Override
    public double[] reduce(double[] values, ReduceOp op) {
        return values.clone();
    }
}
