package dev.raylightning.strategies;

import static dev.raylightning.core.util.Checks.checkPositive;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.strategies.launcher.WorkerStrategyFactory;

/**
 * Distributed data-parallel training on Ray, ray_lightning's {@code RayStrategy}: the trainer's
 * calls run on {@code numWorkers} Ray actors (one JVM each, in a placement group), which average
 * gradients over the TCP ring (and shared memory on one host) before every optimizer step
 * ({@link DdpWorkerStrategy}). Every parameter's gradient takes part in every all-reduce (zeros
 * for a parameter a step did not use), so torch DDP's {@code find_unused_parameters} is never
 * needed. Rank zero's weights, metrics and callback states come back to the
 * driver, so after {@code fit} the driver's module is the trained one.
 *
 * <pre>{@code
 * var trainer = Trainer.builder().maxEpochs(4).strategy(new RayDdpStrategy(4, 1, false)).build();
 * trainer.fit(model, dataModule);
 * }</pre>
 */
public final class RayDdpStrategy extends RayStrategy {

    private static final long serialVersionUID = 2L;

    private final long bucketCapBytes;

    /** {@code numWorkers} workers with {@code cpusPerWorker} CPUs each, and a GPU each if asked. */
    public RayDdpStrategy(int numWorkers, int cpusPerWorker, boolean useGpu) {
        this(builder(numWorkers).cpusPerWorker(cpusPerWorker).useGpu(useGpu));
    }

    private RayDdpStrategy(Builder b) {
        super(b);
        this.bucketCapBytes = b.bucketCapBytes;
    }

    public static Builder builder(int numWorkers) {
        return new Builder(numWorkers);
    }

    @Override
    protected WorkerStrategyFactory workerStrategyFactory() {
        return new Factory(bucketCapBytes);
    }

    /** Each worker averages its gradients in buckets of at most this many bytes. */
    private record Factory(long bucketCapBytes) implements WorkerStrategyFactory {
        @Override
        public Strategy create(RankInfo rank, ProcessGroup group) {
            return new DdpWorkerStrategy(rank, group, bucketCapBytes);
        }
    }

    public long bucketCapBytes() {
        return bucketCapBytes;
    }

    /** Settings of a {@link RayDdpStrategy}; defaults follow ray_lightning and torch DDP. */
    public static final class Builder extends RayStrategyBuilder<Builder> {
        private long bucketCapBytes = 25L << 20;

        private Builder(int numWorkers) {
            super(numWorkers);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Gradients are all-reduced in buckets of at most this many MB (torch DDP's 25 by default). */
        public Builder bucketCapMb(double mb) {
            bucketCapBytes = (long) (checkPositive(mb, "bucketCapMb") * (1 << 20));
            return this;
        }

        public RayDdpStrategy build() {
            return new RayDdpStrategy(this);
        }
    }
}
