package dev.raylightning.strategies.sharded;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.CheckpointIO;
import dev.raylightning.core.checkpoint.OptimizerShards;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.optim.OptimizerConfig;
import dev.raylightning.core.optim.ParameterOptimizer;
import dev.raylightning.core.strategy.OptimizerStep;
import dev.raylightning.core.strategy.ProcessGroupStrategy;
import dev.raylightning.core.strategy.RankInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker side of a sharded strategy (ZeRO stages 1 and 2), its gradient policy: each rank
 * owns a {@link ShardLayout} slice of the flat parameters and keeps optimizer state for that slice
 * only. A step reduces gradients so that each rank holds the averaged gradients of its slice
 * (stage 2: reduce-scatter, bucket by bucket; stage 1: all-reduce, then take the slice), clips
 * them by the norm over all ranks, updates its slice in place (the optimizer works on views of the
 * parameters' own storage, so no copy of the weights is kept), and all-gathers the weights so that
 * every rank holds the whole model for the next forward. Where the group can (shared memory on
 * one host), stage 2's reduce-scatter reads the gradients and the all-gather writes the weights
 * where they lie; otherwise each bucket goes through a staging buffer. A checkpoint gathers the
 * slices into the one consolidated optimizer state; loading one re-partitions it, so a run
 * resumes at any world size.
 */
public final class ShardedWorkerStrategy extends ProcessGroupStrategy {

    private static final long serialVersionUID = 1L;

    private final int stage;
    private final long bucketElements;
    private final boolean shardedCheckpoints;
    private transient Shard shard;

    /**
     * @param stage 1: optimizer state sharded; 2: gradients reduced to their owners too
     * @param bucketElements elements per bucket of the flat parameters
     * @param shardedCheckpoints each rank writes its own optimizer state beside a checkpoint
     *     ({@link OptimizerShards}) instead of gathering it into the checkpoint
     */
    public ShardedWorkerStrategy(RankInfo rank, ProcessGroup group, int stage, long bucketElements,
            boolean shardedCheckpoints) {
        super(rank, group);
        if (stage != 1 && stage != 2) {
            throw new IllegalArgumentException("stage must be 1 or 2, got " + stage);
        }
        this.stage = stage;
        this.bucketElements = bucketElements;
        this.shardedCheckpoints = shardedCheckpoints;
    }

    /**
     * This rank's slice: views of the parameters it owns, the averaged gradient it receives (one
     * flat array, with a view per segment), its optimizer over the views, and staging for groups
     * that take no parts.
     */
    private static final class Shard {
        final ShardLayout layout;
        final List<ShardLayout.Segment> segments;
        final NDManager manager;
        final NDArray grad;
        final List<NDArray> weightViews = new ArrayList<>();
        final List<NDArray> gradViews = new ArrayList<>();
        final ParameterOptimizer optimizer;
        /** The largest padded bucket, for groups that take no parts; made on first use. */
        private ByteBuffer staging;
        /** A bucket's padding (fewer floats than ranks): zeros to reduce, and room the all-gather fills. */
        final ByteBuffer zeros;
        final ByteBuffer padding;

        Shard(ShardLayout layout, int rank, List<NDArray> weights, OptimizerConfig config) {
            this.layout = layout;
            this.segments = layout.segments(rank);
            this.manager = weights.get(0).getManager().newSubManager();
            this.grad = manager.zeros(new Shape(Math.max(1, layout.shardLength())));
            for (ShardLayout.Segment g : segments) {
                NDArray flat = weights.get(g.parameter()).reshape(-1);
                NDArray view = flat.get(g.parameterOffset() + ":" + (g.parameterOffset() + g.length()));
                view.attach(manager);
                flat.close();
                weightViews.add(view);
                NDArray gradView = grad.get(g.shardOffset() + ":" + (g.shardOffset() + g.length()));
                gradView.attach(manager);
                gradViews.add(gradView);
            }
            this.optimizer = new ParameterOptimizer(config, weightViews);
            this.zeros = direct(layout.worldSize());
            this.padding = direct(layout.worldSize());
        }

        ByteBuffer staging() {
            if (staging == null) {
                int largest = 0;
                for (int j = 0; j < layout.bucketCount(); j++) {
                    largest = Math.max(largest, layout.paddedBucketElements(j));
                }
                staging = direct(largest);
            }
            return staging;
        }
    }

    /** Elements of optimizer state this rank holds (moment buffers over the parameters it owns). */
    public long optimizerStateElements() {
        if (shard == null) {
            return 0;
        }
        return shard.optimizer.exportState().buffers().stream().mapToLong(b -> b.length).sum();
    }

    @Override
    public void optimizerStep(OptimizerStep step) {
        Shard s = shard(step.optimizer());
        ShardLayout layout = s.layout;
        ByteBuffer shardGrad = s.grad.toByteBuffer(true);
        List<NDArray> grads = step.openGradients();
        try {
            List<ByteBuffer> views = views(grads);
            for (int j = 0; j < layout.bucketCount(); j++) {
                if (stage == 2) {
                    // straight from the gradients where the group can; through the staging bucket otherwise
                    ByteBuffer out = slice(shardGrad, layout, j);
                    if (!group().reduceScatterParts(parts(views, layout, j, s.zeros), out, ReduceOp.AVG)) {
                        group().reduceScatter(pack(views, layout, j, s.staging()), out, ReduceOp.AVG);
                    }
                } else {
                    ByteBuffer bucket = pack(views, layout, j, s.staging());
                    group().allReduce(bucket, ReduceOp.AVG);
                    shardGrad.put(4 * layout.shardOffset(j), bucket, 4 * globalRank() * layout.sliceElements(j),
                            4 * layout.sliceElements(j));
                }
            }
        } finally {
            grads.forEach(NDArray::close);
        }
        step.clipGradients(List.of(s.grad), local -> reduce(new double[] {local}, ReduceOp.SUM)[0]);
        s.optimizer.setLearningRate(step.optimizer().learningRate());
        s.optimizer.step(s.gradViews);
        // the gradient is spent: its buffer carries this rank's updated weights to the others
        List<ByteBuffer> weights = views(step.optimizer().weights());
        copySegments(views(s.weightViews), shardGrad, s.segments);
        for (int j = 0; j < layout.bucketCount(); j++) {
            ByteBuffer mine = slice(shardGrad, layout, j);
            if (!group().allGatherParts(mine, parts(weights, layout, j, s.padding))) {
                ByteBuffer bucket = bucketOf(s.staging(), layout, j);
                group().allGather(mine, bucket);
                unpack(bucket, weights, layout, j);
            }
        }
        step.parameters().zeroGradients();
    }

    /**
     * The consolidated state: every rank's slices gathered into the per-parameter layout of one
     * process; none with sharded checkpoints, whose state {@link #saveCheckpoint} writes per rank.
     */
    /** Its optimizer state is gathered from every rank. */
    @Override
    public boolean checkpointNeedsEveryRank() {
        return true;
    }

    @Override
    public ParameterOptimizer.State optimizerState(ParameterOptimizer optimizer) {
        if (shard == null) {
            return shardedCheckpoints ? null : optimizer.exportState();
        }
        if (shardedCheckpoints) {
            return null;
        }
        ShardLayout layout = shard.layout;
        ParameterOptimizer.State local = shard.optimizer.exportState();
        // ranks agree on the shape of the state (a rank may own nothing, or have no state yet)
        double[] agreed = reduce(new double[] {
            shard.segments.isEmpty() ? 0 : local.buffersPerParameter()[0],
            shard.segments.isEmpty() ? 0 : local.updates()[0]}, ReduceOp.MAX);
        int width = (int) agreed[0];
        long steps = (long) agreed[1];
        List<float[]> full = new ArrayList<>();
        ByteBuffer mine = direct(layout.shardLength());
        for (int k = 0; k < width; k++) {
            FloatBuffer floats = mine.asFloatBuffer();
            for (int g = 0; g < shard.segments.size(); g++) {
                ShardLayout.Segment seg = shard.segments.get(g);
                // a rank that has no state yet contributes zeros
                float[] part = local.buffers().size() > g * width + k ? local.buffers().get(g * width + k)
                        : new float[seg.length()];
                floats.put(seg.shardOffset(), part);
            }
            float[] flat = new float[layout.totalElements()];
            for (int j = 0; j < layout.bucketCount(); j++) {
                ByteBuffer bucket = bucketOf(shard.staging(), layout, j);
                group().allGather(slice(mine, layout, j), bucket);
                bucket.asFloatBuffer().get(flat, layout.paddedBucketOffset(j), layout.bucketElements(j));
            }
            full.add(flat);
        }
        int n = layout.parameterCount();
        long[] updates = new long[n];
        int[] widths = new int[n];
        List<float[]> buffers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            updates[i] = steps;
            widths[i] = steps == 0 ? 0 : width;
            for (float[] flat : steps == 0 ? List.<float[]>of() : full) {
                float[] part = new float[layout.parameterSize(i)];
                System.arraycopy(flat, layout.parameterOffset(i), part, 0, part.length);
                buffers.add(part);
            }
        }
        return new ParameterOptimizer.State(optimizer.config().kind().name(), updates, optimizer.learningRate(),
                widths, buffers);
    }

    /**
     * With sharded checkpoints, every rank writes the state of the parameter elements it owns
     * beside the checkpoint and rank zero writes the checkpoint with their index; otherwise rank
     * zero writes the checkpoint, which holds the consolidated state.
     */
    @Override
    public void saveCheckpoint(Checkpoint checkpoint, Path path) {
        if (!shardedCheckpoints || shard == null) {
            super.saveCheckpoint(checkpoint, path);
            return;
        }
        List<OptimizerShards.Run> runs = new ArrayList<>();
        for (ShardLayout.Segment g : shard.segments) {
            runs.add(new OptimizerShards.Run(g.parameter(), g.parameterOffset(), g.length()));
        }
        OptimizerShards.writeShard(path, globalRank(), worldSize(), runs, shard.optimizer.exportState());
        if (isGlobalZero()) {
            long[] sizes = new long[shard.layout.parameterCount()];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = shard.layout.parameterSize(i);
            }
            CheckpointIO.write(OptimizerShards.withIndex(checkpoint, path, worldSize(), sizes), path);
        }
    }

    /** Keeps this rank's part of a consolidated state (from any world size, or one process). */
    @Override
    public void loadOptimizerState(ParameterOptimizer optimizer, ParameterOptimizer.State state) {
        Shard s = shard(optimizer);
        ShardLayout layout = s.layout;
        int n = layout.parameterCount();
        if (!state.kind().equals(optimizer.config().kind().name())) {
            throw new IllegalArgumentException("checkpoint optimizer is " + state.kind() + " but the module configures "
                    + optimizer.config().kind());
        }
        if (state.updates().length != n || state.buffersPerParameter().length != n) {
            throw new IllegalArgumentException("checkpoint optimizer covers " + state.updates().length
                    + " parameters, the module has " + n);
        }
        int width = n == 0 ? 0 : state.buffersPerParameter()[0];
        long updates = 0;
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (state.buffersPerParameter()[i] != width) {
                throw new IllegalArgumentException("checkpoint optimizer state has " + state.buffersPerParameter()[i]
                        + " buffers for parameter " + i + " and " + width + " for parameter 0: it cannot be sharded");
            }
            for (int b = 0; b < width; b++, k++) {
                if (k >= state.buffers().size() || state.buffers().get(k).length != layout.parameterSize(i)) {
                    throw new IllegalArgumentException("checkpoint optimizer state does not fit parameter " + i);
                }
            }
            updates = Math.max(updates, state.updates()[i]);
        }
        int segments = s.segments.size();
        long[] segmentUpdates = new long[segments];
        int[] widths = new int[segments];
        List<float[]> buffers = new ArrayList<>();
        for (int g = 0; g < segments; g++) {
            ShardLayout.Segment seg = s.segments.get(g);
            segmentUpdates[g] = updates;
            widths[g] = width;
            for (int b = 0; b < width; b++) {
                float[] part = new float[seg.length()];
                System.arraycopy(state.buffers().get(seg.parameter() * width + b), seg.parameterOffset(), part, 0,
                        seg.length());
                buffers.add(part);
            }
        }
        s.optimizer.loadState(new ParameterOptimizer.State(state.kind(), segmentUpdates, state.learningRate(), widths,
                buffers));
    }

    /** This rank's shard, made on first use from the loop's optimizer (its weights and configuration). */
    private Shard shard(ParameterOptimizer full) {
        if (shard == null) {
            long[] sizes = full.weights().stream().mapToLong(NDArray::size).toArray();
            shard = new Shard(new ShardLayout(sizes, worldSize(), bucketElements), globalRank(), full.weights(),
                    full.config());
        }
        return shard;
    }

    /** Frees the shard's native memory (views, gradient, optimizer state); the parameters stay. */
    @Override
    public void teardown() {
        if (shard != null) {
            shard.optimizer.close();
            shard.manager.close();
            shard = null;
        }
    }

    /** Zero-copy views of the arrays' own storage, in order. */
    private static List<ByteBuffer> views(List<NDArray> arrays) {
        List<ByteBuffer> out = new ArrayList<>(arrays.size());
        for (NDArray a : arrays) {
            out.add(a.toByteBuffer(true));
        }
        return out;
    }

    /** Copies each owned segment's weights to its place in the shard buffer. */
    private static void copySegments(List<ByteBuffer> segmentViews, ByteBuffer shard, List<ShardLayout.Segment> segs) {
        for (int g = 0; g < segs.size(); g++) {
            ByteBuffer v = segmentViews.get(g);
            shard.put(4 * segs.get(g).shardOffset(), v, v.position(), v.remaining());
        }
    }

    /** A run of one parameter's elements inside a bucket. */
    @FunctionalInterface
    private interface Run {
        void at(int parameter, int inParameter, int inBucket, int length);
    }

    /** Calls {@code run} for every parameter's run of elements inside bucket {@code j}, in order. */
    private static void runs(ShardLayout layout, int j, Run run) {
        int from = layout.paddedBucketOffset(j);
        int to = from + layout.bucketElements(j);
        for (int i = 0; i < layout.parameterCount(); i++) {
            int start = Math.max(from, layout.parameterOffset(i));
            int end = Math.min(to, layout.parameterOffset(i) + layout.parameterSize(i));
            if (end > start) {
                run.at(i, start - layout.parameterOffset(i), start - from, end - start);
            }
        }
    }

    /**
     * Copies the elements of bucket {@code j} out of the arrays (laid end to end in block order)
     * into the staging buffer, zeroes the bucket's padding, and returns the bucket's view.
     */
    private static ByteBuffer pack(List<ByteBuffer> arrays, ShardLayout layout, int j, ByteBuffer staging) {
        ByteBuffer bucket = bucketOf(staging, layout, j);
        runs(layout, j, (i, inParameter, inBucket, n) -> bucket.put(4 * inBucket, arrays.get(i),
                arrays.get(i).position() + 4 * inParameter, 4 * n));
        for (int b = 4 * layout.bucketElements(j); b < bucket.capacity(); b += 4) {
            bucket.putFloat(b, 0f);
        }
        return bucket;
    }

    /**
     * Bucket {@code j} as the arrays' own storage, run by run, and its padding taken from the start
     * of {@code pad}, for the groups that read or write parts where they lie.
     */
    private static ByteBuffer[] parts(List<ByteBuffer> arrays, ShardLayout layout, int j, ByteBuffer pad) {
        List<ByteBuffer> parts = new ArrayList<>();
        runs(layout, j, (i, inParameter, inBucket, n) -> parts.add(arrays.get(i).slice(arrays.get(i).position()
                + 4 * inParameter, 4 * n)));
        int padding = layout.paddedBucketElements(j) - layout.bucketElements(j);
        if (padding > 0) {
            parts.add(pad.slice(0, 4 * padding));
        }
        return parts.toArray(ByteBuffer[]::new);
    }

    /** Copies bucket {@code j} (as gathered) back into the arrays' own storage. */
    private static void unpack(ByteBuffer bucket, List<ByteBuffer> arrays, ShardLayout layout, int j) {
        runs(layout, j, (i, inParameter, inBucket, n) -> arrays.get(i).put(arrays.get(i).position() + 4 * inParameter,
                bucket, 4 * inBucket, 4 * n));
    }

    /** The first padded-bucket-{@code j} floats of the staging buffer. */
    private static ByteBuffer bucketOf(ByteBuffer staging, ShardLayout layout, int j) {
        return staging.slice(0, 4 * layout.paddedBucketElements(j)).order(ByteOrder.nativeOrder());
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
