package dev.raylightning.strategies;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.strategy.ProcessGroupStrategy;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.strategies.fusion.GradientFusion;

import java.util.List;

/**
 * The worker side of {@link RayDdpStrategy}, its gradient policy: before every optimizer step,
 * gradients are averaged across ranks in buckets ({@link GradientFusion}; through shared memory
 * straight from the gradients' own storage). Every rank then steps the whole model.
 */
public final class DdpWorkerStrategy extends ProcessGroupStrategy {

    private static final long serialVersionUID = 1L;

    private final long bucketCapBytes;
    private transient GradientFusion buckets;

    public DdpWorkerStrategy(RankInfo rank, ProcessGroup group, long bucketCapBytes) {
        super(rank, group);
        this.bucketCapBytes = bucketCapBytes;
    }

    @Override
    public void reduceGradients(List<NDArray> gradients) {
        if (buckets == null) {
            buckets = new GradientFusion(bucketCapBytes);
        }
        buckets.reduce(gradients, (data, floats) -> group().allReduce(data, ReduceOp.AVG),
                parts -> group().allReduceParts(parts, ReduceOp.AVG));
    }
}
