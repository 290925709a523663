package dev.raylightning.core.strategy;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.collective.ReduceOp;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/**
 * How training is distributed, Lightning's {@code Strategy}. The trainer's loop calls only
 * these methods; a strategy composes where processes come from ({@link #launcher()}), how bytes
 * move (a process group) and what happens to gradients ({@link #optimizerStep}).
 *
 * <p>A strategy is shipped to worker processes by distributed launchers, so it is serializable;
 * per-process state (connections, rank) is transient and set up in {@link #setup}.
 */
public interface Strategy extends Serializable {

    /** The launcher that starts worker processes, or empty to run in the calling thread. */
    default Optional<Launcher> launcher() {
        return Optional.empty();
    }

    /** Called in every process before a run (fit, validate, test or predict). */
    default void setup() {}

    /** Called in every process after a run, also on failure. */
    default void teardown() {}

    int worldSize();

    int globalRank();

    int localRank();

    int nodeRank();

    default boolean isGlobalZero() {
        return globalRank() == 0;
    }

    /** Blocks until every rank reached the barrier named {@code name}. */
    void barrier(String name);

    /** Rank {@code src}'s object, on every rank. */
    <T extends Serializable> T broadcast(T value, int src);

    /** Reduces values element-wise across ranks (for logged metrics with sync on). */
    double[] reduce(double[] values, ReduceOp op);

    /**
     * The gradient synchronisation point, between backward and the optimizer step. The given
     * gradients are in block order and writable in place. Data-parallel strategies average them
     * across ranks here.
     */
    void reduceGradients(List<NDArray> gradients);

    /**
     * Runs one optimizer step. The default reduces gradients, then lets the trainer clip and
     * update. Sharded strategies override this to reduce to owners and broadcast weights.
     */
    default void optimizerStep(OptimizerStep step) {
        List<NDArray> grads = step.openGradients();
        try {
            reduceGradients(grads);
        } finally {
            grads.forEach(NDArray::close);
        }
        step.clipAndUpdate();
    }

    /** Arguments for the distributed sampler the trainer puts on loaders; empty when one rank. */
    default Optional<SamplerArgs> distributedSamplerArgs() {
        return worldSize() > 1 ? Optional.of(new SamplerArgs(worldSize(), globalRank())) : Optional.empty();
    }

    /** How the trainer splits data across ranks. */
    record SamplerArgs(int numReplicas, int rank) implements Serializable {}
}
