package dev.raylightning.strategies;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkPositive;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.strategies.launcher.WorkerStrategyFactory;
import dev.raylightning.strategies.sharded.ShardLayout;
import dev.raylightning.strategies.sharded.ShardedWorkerStrategy;

/**
 * Sharded data-parallel training on Ray, ray_lightning's {@code RayShardedStrategy} (FairScale's
 * OSS and ShardedDataParallel, ZeRO stages 1 and 2): as {@link RayDdpStrategy}, but each worker
 * keeps optimizer state only for its 1/N slice of the parameters ({@link ShardLayout}), and in
 * stage 2 (the default) receives only its slice's averaged gradients, then all-gathers the
 * updated weights ({@link ShardedWorkerStrategy}). Checkpoints hold the consolidated state, in
 * the same format as any other strategy's, so they load in one process and resume at any world
 * size.
 *
 * <pre>{@code
 * var trainer = Trainer.builder().maxEpochs(4).strategy(new RayShardedStrategy(4, 1, false)).build();
 * trainer.fit(model, dataModule);   // each worker holds 1/4 of the optimizer state
 * }</pre>
 */
public final class RayShardedStrategy extends RayStrategy {

    private static final long serialVersionUID = 1L;

    private final int stage;
    private final long bucketCapBytes;
    private final boolean shardedCheckpoints;

    /** {@code numWorkers} workers with {@code cpusPerWorker} CPUs each, and a GPU each if asked. */
    public RayShardedStrategy(int numWorkers, int cpusPerWorker, boolean useGpu) {
        this(builder(numWorkers).cpusPerWorker(cpusPerWorker).useGpu(useGpu));
    }

    private RayShardedStrategy(Builder b) {
        super(b);
        this.stage = b.stage;
        this.bucketCapBytes = b.bucketCapBytes;
        this.shardedCheckpoints = b.shardedCheckpoints;
    }

    public static Builder builder(int numWorkers) {
        return new Builder(numWorkers);
    }

    @Override
    protected WorkerStrategyFactory workerStrategyFactory() {
        return new Factory(stage, Math.max(1, bucketCapBytes / Float.BYTES), shardedCheckpoints);
    }

    /** Each worker owns its slice of every bucket of this many elements. */
    private record Factory(int stage, long bucketElements, boolean shardedCheckpoints) implements WorkerStrategyFactory {
        @Override
        public Strategy create(RankInfo rank, ProcessGroup group) {
            return new ShardedWorkerStrategy(rank, group, stage, bucketElements, shardedCheckpoints);
        }
    }

    /** 1: optimizer state sharded; 2: optimizer state and gradient reduction sharded. */
    public int stage() {
        return stage;
    }

    public long bucketCapBytes() {
        return bucketCapBytes;
    }

    public boolean shardedCheckpoints() {
        return shardedCheckpoints;
    }

    @Override
    public String toString() {
        return "RayShardedStrategy(numWorkers=" + numWorkers() + ", stage=" + stage + ", bundle=" + bundle()
                + ", placement=" + placement() + ")";
    }

    /** Settings of a {@link RayShardedStrategy}: the shared Ray knobs, the stage and the bucket size. */
    public static final class Builder extends RayStrategyBuilder<Builder> {
        private int stage = 2;
        private long bucketCapBytes = 25L << 20;
        private boolean shardedCheckpoints;

        private Builder(int numWorkers) {
            super(numWorkers);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** ZeRO stage: 1 shards optimizer state, 2 (default) also reduces gradients to their owners. */
        public Builder stage(int s) {
            checkArgument(s == 1 || s == 2, "stage must be 1 or 2, got %s", s);
            stage = s;
            return this;
        }

        /** Gradients are reduced and weights gathered in buckets of at most this many MB (25 by default). */
        public Builder bucketCapMb(double mb) {
            bucketCapBytes = (long) (checkPositive(mb, "bucketCapMb") * (1 << 20));
            return this;
        }

        /**
         * Each worker writes its part of the optimizer state beside every checkpoint (files
         * {@code <checkpoint>.optim-<rank>-of-<n>}, indexed by the checkpoint) instead of
         * gathering it through rank zero: for state that does not fit one process. Such a
         * checkpoint resumes at any world size and in one process; the directory must be shared
         * by the workers (one node, or a shared file system). Default: consolidated checkpoints.
         */
        public Builder shardedCheckpoints(boolean sharded) {
            shardedCheckpoints = sharded;
            return this;
        }

        public RayShardedStrategy build() {
            // a recovery snapshot holds the whole optimizer state on rank zero and the driver
            checkArgument(!shardedCheckpoints || maxFailures == 0, "maxFailures(%s) restarts from recovery snapshots"
                    + " that gather the whole optimizer state through rank zero, which shardedCheckpoints(true) is"
                    + " there to avoid; use one or the other", maxFailures);
            return new RayShardedStrategy(this);
        }
    }
}
