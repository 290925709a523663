package dev.raylightning.strategies.sharded;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.optim.OptimizerConfig;
import dev.raylightning.core.optim.ParameterOptimizer;
import dev.raylightning.core.strategy.OptimizerStep;
import dev.raylightning.core.strategy.ProcessGroupStrategy;
import dev.raylightning.core.strategy.RankInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker side of a sharded strategy (ZeRO stages 1 and 2), its gradient policy: each rank
 * owns a {@link ShardLayout} slice of the flat parameters and keeps optimizer state for that slice
 * only. A step reduces gradients so that each rank holds the averaged gradients of its slice
 * (stage 2: reduce-scatter, bucket by bucket; stage 1: all-reduce, then take the slice), clips
 * them by the norm over all ranks, updates the slice with its own optimizer, and all-gathers the
 * weights so that every rank holds the whole model for the next forward. A checkpoint gathers
 * the slices into the one consolidated optimizer state; loading one re-partitions it, so a run
 * resumes at any world size.
 */
public final class ShardedWorkerStrategy extends ProcessGroupStrategy {

    private static final long serialVersionUID = 1L;

    private final int stage;
    private final long bucketElements;
    private transient Shard shard;

    public ShardedWorkerStrategy(RankInfo rank, ProcessGroup group, int stage, long bucketElements) {
        super(rank, group);
        if (stage != 1 && stage != 2) {
            throw new IllegalArgumentException("stage must be 1 or 2, got " + stage);
        }
        this.stage = stage;
        this.bucketElements = bucketElements;
    }

    /** This rank's slice: weights, the gradient it receives, its optimizer, and the flat buffers. */
    private static final class Shard {
        final ShardLayout layout;
        final NDManager manager;
        final NDArray weight;
        final NDArray grad;
        final ParameterOptimizer optimizer;
        final ByteBuffer flatGrads;
        final ByteBuffer flatWeights;

        Shard(ShardLayout layout, NDManager manager, OptimizerConfig config) {
            this.layout = layout;
            this.manager = manager;
            this.weight = manager.zeros(new Shape(layout.shardLength()));
            this.grad = manager.zeros(new Shape(layout.shardLength()));
            this.optimizer = new ParameterOptimizer(config, List.of(weight));
            this.flatGrads = direct(layout.paddedLength());
            this.flatWeights = direct(layout.paddedLength());
        }
    }

    /** The layout of this rank's shard, once the first step or checkpoint load made it. */
    public java.util.Optional<ShardLayout> layout() {
        return java.util.Optional.ofNullable(shard).map(s -> s.layout);
    }

    /** Elements of optimizer state this rank holds (moment buffers over its shard). */
    public long optimizerStateElements() {
        if (shard == null) {
            return 0;
        }
        ParameterOptimizer.State s = shard.optimizer.exportState();
        return s.buffers().stream().mapToLong(b -> b.length).sum();
    }

    @Override
    public void optimizerStep(OptimizerStep step) {
        Shard s = shard(step.optimizer());
        ShardLayout layout = s.layout;
        List<NDArray> grads = step.openGradients();
        try {
            pack(grads, s.flatGrads, layout);
        } finally {
            grads.forEach(NDArray::close);
        }
        ByteBuffer shardGrad = s.grad.toByteBuffer(true);
        if (stage == 2) {
            for (int j = 0; j < layout.bucketCount(); j++) {
                group().reduceScatter(bucket(s.flatGrads, layout, j), slice(shardGrad, layout, j), ReduceOp.AVG);
            }
        } else {
            group().allReduce(s.flatGrads.duplicate().clear().limit(4 * layout.paddedLength()), ReduceOp.AVG);
            takeSlices(s.flatGrads, shardGrad, layout);
        }
        step.clipGradients(List.of(s.grad), local -> reduce(new double[] {local}, ReduceOp.SUM)[0]);
        s.optimizer.setLearningRate(step.optimizer().learningRate());
        s.optimizer.step(List.of(s.grad));
        ByteBuffer shardWeight = s.weight.toByteBuffer(true);
        for (int j = 0; j < layout.bucketCount(); j++) {
            group().allGather(slice(shardWeight, layout, j), bucket(s.flatWeights, layout, j));
        }
        unpack(s.flatWeights, step.optimizer().weights(), layout);
        step.parameters().zeroGradients();
    }

    /** The consolidated state: every rank's slices gathered into the per-parameter layout of one process. */
    @Override
    public ParameterOptimizer.State optimizerState(ParameterOptimizer optimizer) {
        if (shard == null) {
            return optimizer.exportState();
        }
        ShardLayout layout = shard.layout;
        ParameterOptimizer.State local = shard.optimizer.exportState();
        int width = local.buffersPerParameter()[0];
        List<float[]> full = new ArrayList<>();
        for (int k = 0; k < width; k++) {
            ByteBuffer mine = direct(layout.shardLength());
            mine.asFloatBuffer().put(local.buffers().get(k));
            ByteBuffer all = direct(layout.paddedLength());
            for (int j = 0; j < layout.bucketCount(); j++) {
                group().allGather(slice(mine, layout, j), bucket(all, layout, j));
            }
            float[] flat = new float[layout.totalElements()];
            all.asFloatBuffer().get(flat);
            full.add(flat);
        }
        int n = layout.parameterCount();
        long[] updates = new long[n];
        int[] widths = new int[n];
        List<float[]> buffers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            updates[i] = local.updates()[0];
            widths[i] = width;
            for (float[] flat : full) {
                float[] part = new float[layout.parameterSize(i)];
                System.arraycopy(flat, layout.parameterOffset(i), part, 0, part.length);
                buffers.add(part);
            }
        }
        return new ParameterOptimizer.State(local.kind(), updates, optimizer.learningRate(), widths, buffers);
    }

    /** Keeps this rank's slice of a consolidated state (from any world size, or one process). */
    @Override
    public void loadOptimizerState(ParameterOptimizer optimizer, ParameterOptimizer.State state) {
        Shard s = shard(optimizer);
        ShardLayout layout = s.layout;
        int n = layout.parameterCount();
        if (state.updates().length != n || state.buffersPerParameter().length != n) {
            throw new IllegalArgumentException("checkpoint optimizer covers " + state.updates().length
                    + " parameters, the module has " + n);
        }
        int width = n == 0 ? 0 : state.buffersPerParameter()[0];
        long updates = 0;
        for (int i = 0; i < n; i++) {
            if (state.buffersPerParameter()[i] != width) {
                throw new IllegalArgumentException("checkpoint optimizer state has " + state.buffersPerParameter()[i]
                        + " buffers for parameter " + i + " and " + width + " for parameter 0: it cannot be sharded");
            }
            updates = Math.max(updates, state.updates()[i]);
        }
        List<float[]> slices = new ArrayList<>();
        for (int k = 0; k < width; k++) {
            float[] flat = new float[layout.totalElements()];
            for (int i = 0; i < n; i++) {
                float[] part = state.buffers().get(i * width + k);
                if (part.length != layout.parameterSize(i)) {
                    throw new IllegalArgumentException("checkpoint optimizer state does not fit parameter " + i);
                }
                System.arraycopy(part, 0, flat, layout.parameterOffset(i), part.length);
            }
            slices.add(layout.shardOf(flat, globalRank()));
        }
        s.optimizer.loadState(new ParameterOptimizer.State(state.kind(), new long[] {updates}, state.learningRate(),
                new int[] {width}, slices));
    }

    /** This rank's shard, made on first use from the loop's optimizer (its weights and configuration). */
    private Shard shard(ParameterOptimizer full) {
        if (shard == null) {
            List<NDArray> weights = full.weights();
            long[] sizes = weights.stream().mapToLong(NDArray::size).toArray();
            ShardLayout layout = new ShardLayout(sizes, worldSize(), bucketElements);
            NDManager manager = weights.get(0).getManager().newSubManager();
            shard = new Shard(layout, manager, full.config());
            pack(weights, shard.flatWeights, layout);
            takeSlices(shard.flatWeights, shard.weight.toByteBuffer(true), layout);
        }
        return shard;
    }

    /** Frees the shard's native memory; the next run of this strategy (there is none on a worker) starts anew. */
    @Override
    public void teardown() {
        if (shard != null) {
            shard.optimizer.close();
            shard.manager.close();
            shard = null;
        }
    }

    /** Copies arrays (block order) into the padded flat vector; the padding is zeroed. */
    private static void pack(List<NDArray> arrays, ByteBuffer flat, ShardLayout layout) {
        for (int i = 0; i < arrays.size(); i++) {
            ByteBuffer v = arrays.get(i).toByteBuffer(true);
            flat.put(4 * layout.parameterOffset(i), v, v.position(), v.remaining());
        }
        for (int b = 4 * layout.totalElements(); b < 4 * layout.paddedLength(); b += 4) {
            flat.putFloat(b, 0f);
        }
    }

    /** Copies the padded flat vector back into the arrays' own storage. */
    private static void unpack(ByteBuffer flat, List<NDArray> arrays, ShardLayout layout) {
        for (int i = 0; i < arrays.size(); i++) {
            ByteBuffer v = arrays.get(i).toByteBuffer(true);
            v.put(v.position(), flat, 4 * layout.parameterOffset(i), 4 * layout.parameterSize(i));
        }
    }

    /** Copies this rank's slice of every bucket from the padded flat vector into its shard. */
    private void takeSlices(ByteBuffer flat, ByteBuffer shardView, ShardLayout layout) {
        for (int j = 0; j < layout.bucketCount(); j++) {
            int from = layout.paddedBucketOffset(j) + globalRank() * layout.sliceElements(j);
            shardView.put(4 * layout.shardOffset(j), flat, 4 * from, 4 * layout.sliceElements(j));
        }
    }

    private static ByteBuffer bucket(ByteBuffer flat, ShardLayout layout, int j) {
        return flat.slice(4 * layout.paddedBucketOffset(j), 4 * layout.paddedBucketElements(j))
                .order(ByteOrder.nativeOrder());
    }

    private static ByteBuffer slice(ByteBuffer shard, ShardLayout layout, int j) {
        return shard.slice(4 * layout.shardOffset(j), 4 * layout.sliceElements(j)).order(ByteOrder.nativeOrder());
    }

    private static ByteBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(4 * Math.max(1, floats)).order(ByteOrder.nativeOrder());
    }

    @Override
    public String toString() {
        return "ShardedWorkerStrategy(stage " + stage + ", rank " + globalRank() + " of " + worldSize() + ")";
    }
}
