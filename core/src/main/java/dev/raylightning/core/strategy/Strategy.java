package dev.raylightning.core.strategy;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.CheckpointIO;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.engine.GradientTape;
import dev.raylightning.core.optim.ParameterOptimizer;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How training is distributed, Lightning's {@code Strategy}. The trainer's loops call only
 * these methods; a strategy composes where processes come from ({@link #launcher()}), how bytes
 * move (a process group) and what happens to gradients and optimizer state (its gradient policy:
 * {@link #backward}, {@link #optimizerStep}, {@link #optimizerState}).
 *
 * <p>A strategy is shipped to worker processes by distributed launchers, so it is serializable;
 * per-process state (connections, rank) is transient and set up in {@link #setup}.
 */
public interface Strategy extends Serializable {

    /** The launcher that starts worker processes, or empty to run in the calling thread. */
    default Optional<Launcher> launcher() {
        return Optional.empty();
    }

    /** How a fit under this strategy's launcher survives lost workers; {@link RecoveryPolicy#NONE} by default. */
    default RecoveryPolicy recoveryPolicy() {
        return RecoveryPolicy.NONE;
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
     * Lightning's {@code reduce_boolean_decision}: on every rank, whether every rank
     * ({@code all}) or any rank decided true. Call it on every rank at the same point.
     */
    default boolean reduceBooleanDecision(boolean decision, boolean all) {
        if (worldSize() == 1) {
            return decision;
        }
        return reduce(new double[] {decision ? 1 : 0}, all ? ReduceOp.MIN : ReduceOp.MAX)[0] > 0.5;
    }

    /**
     * A decision any rank may take, with its reason: on every rank, the reason of the lowest rank
     * that gave one, or empty when none did. Stop requests go through this, so that every rank
     * stops at the same step and knows why. Call it on every rank at the same point.
     */
    default Optional<String> reduceDecision(Optional<String> reason) {
        if (worldSize() == 1) {
            return reason;
        }
        int first = (int) reduce(new double[] {reason.isPresent() ? globalRank() : worldSize()}, ReduceOp.MIN)[0];
        if (first >= worldSize()) {
            return Optional.empty();
        }
        return Optional.of(broadcast(reason.orElse(""), first));
    }

    /** Runs backward from {@code loss} (already scaled for accumulation) on the tape. */
    default void backward(NDArray loss, GradientTape tape) {
        tape.backward(loss);
    }

    /**
     * The gradient synchronisation point of the default {@link #optimizerStep}, between backward
     * and the update. The given gradients are in block order and writable in place. Data-parallel
     * strategies average them across ranks here; the default does nothing.
     */
    default void reduceGradients(List<NDArray> gradients) {}

    /**
     * Backward passes whose gradients are summed locally before one reduction and optimizer step
     * (Horovod's {@code backward_passes_per_step}); 1 for most strategies. It is the trainer's
     * gradient accumulation window, as Lightning's Horovod strategy passes
     * {@code accumulate_grad_batches} to Horovod: a trainer with {@code accumulateGradBatches} 1
     * takes the strategy's value, one with the same value agrees, any other is refused.
     */
    default int backwardPassesPerStep() {
        return 1;
    }

    /**
     * Runs one optimizer step: by default reduces the gradients, then clips and updates every
     * parameter. A sharded strategy overrides it to reduce gradients to their owners, clip by the
     * norm summed over ranks, update its own shard ({@link OptimizerStep#update(int[])}) and
     * gather the weights.
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

    /**
     * The optimizer state a checkpoint holds, Lightning's {@code optimizer_state}. Called on every
     * rank when a checkpoint is built; a sharded strategy gathers its shards here.
     */
    default ParameterOptimizer.State optimizerState(ParameterOptimizer optimizer) {
        return optimizer.exportState();
    }

    /**
     * Whether building a checkpoint needs every rank (a sharded strategy gathers its optimizer
     * state): then every rank builds each recovery snapshot, otherwise only global rank zero.
     */
    default boolean checkpointNeedsEveryRank() {
        return false;
    }

    /** Loads a checkpoint's optimizer state; a sharded strategy keeps the part this rank owns. */
    default void loadOptimizerState(ParameterOptimizer optimizer, ParameterOptimizer.State state) {
        optimizer.loadState(state);
    }

    /**
     * Writes a checkpoint built on this rank, Lightning's {@code Strategy.save_checkpoint}: called
     * on every rank, written by global rank zero only (the trainer adds a barrier afterwards).
     */
    default void saveCheckpoint(Checkpoint checkpoint, Path path) {
        if (isGlobalZero()) {
            CheckpointIO.write(checkpoint, path);
        }
    }

    /**
     * What this rank hands back to the driver after a launched run (a trace, counters), or null
     * for nothing. Called on every rank once its run is over, after {@link #teardown}; the driver's
     * strategy receives every rank's report in {@link #onWorkerReports}.
     */
    default Serializable workerReport() {
        return null;
    }

    /**
     * On the driver, after a launched run (fit, validate, test or predict) returned on every rank:
     * each rank's {@link #workerReport}, by global rank (null where a rank had none). Not called
     * when the run failed. Runs after the driver's module holds the result, so a failure here is
     * the strategy's to report, not the run's.
     */
    default void onWorkerReports(List<Serializable> reportsByRank) {}

    /**
     * Whether ranks may have different numbers of training batches (Horovod's {@code join}).
     * When true, the trainer's distributed sampler neither pads nor cuts the training data, the
     * ranks agree on the largest batch count once per fit, and a rank that has run out runs the
     * remaining steps as joined steps: no batch and no batch hooks, zero gradients of its own
     * for the missing batches, but the same {@link #optimizerStep} calls, step count and
     * schedule as the others. It needs an {@link #optimizerStep} that reduces gradients across
     * ranks (with an average, the joined rank's zeros count in the mean). False by default.
     */
    default boolean joinsUnevenInputs() {
        return false;
    }

    /** Arguments for the distributed sampler the trainer puts on loaders; empty when one rank. */
    default Optional<SamplerArgs> distributedSamplerArgs() {
        return worldSize() > 1 ? Optional.of(new SamplerArgs(worldSize(), globalRank())) : Optional.empty();
    }

    /** How the trainer splits data across ranks. */
    record SamplerArgs(int numReplicas, int rank) implements Serializable {}
}
