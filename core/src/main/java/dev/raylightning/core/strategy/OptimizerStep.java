package dev.raylightning.core.strategy;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.engine.ModelParameters;
import dev.raylightning.core.optim.ParameterOptimizer;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/** What a {@link Strategy} gets to run one optimizer step; the trainer's loop implements it. */
public interface OptimizerStep {

    /** The module's parameters, in block order (the only order that agrees across processes). */
    ModelParameters parameters();

    /**
     * The loop's optimizer over every trainable parameter: its configuration and the learning
     * rate of this step (the loop applies the schedule). A sharded strategy steps its own
     * optimizer over the shard it owns and leaves this one without state.
     */
    ParameterOptimizer optimizer();

    /** Fresh handles on the trainable parameters' gradients, block order; the caller closes them. */
    List<NDArray> openGradients();

    /**
     * Clips {@code gradients} in place as the trainer is configured; nothing when clipping is off.
     * By norm, the norm covers every rank's part: {@code sumAcrossRanks} turns this rank's sum of
     * squared entries into the total (the identity when every rank holds whole gradients, a SUM
     * all-reduce when ranks hold disjoint shards). Every rank calls it at the same point.
     */
    void clipGradients(List<NDArray> gradients, DoubleUnaryOperator sumAcrossRanks);

    /**
     * Runs the optimizer on the trainable parameters at {@code indices} (positions in block order)
     * only, then zeroes every gradient. Optimizer state exists only for the parameters updated.
     */
    void update(int[] indices);

    /** Clips every gradient as configured (whole gradients on this rank), then updates all parameters. */
    void clipAndUpdate();
}
