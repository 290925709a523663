package dev.raylightning.strategies;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkAtLeast;
import static dev.raylightning.core.util.Checks.checkNotNull;
import static dev.raylightning.core.util.Checks.checkPositive;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.strategies.horovod.Compression;
import dev.raylightning.strategies.horovod.HorovodWorkerStrategy;
import dev.raylightning.strategies.horovod.Reduction;
import dev.raylightning.strategies.launcher.PlacementStrategy;
import dev.raylightning.strategies.launcher.WorkerStrategyFactory;

/**
 * Horovod's training model on Ray workers, ray_lightning's {@code HorovodRayStrategy}: the
 * workers are placed as a number of workers, or as hosts x slots (each host a bundle of
 * {@code numSlots} workers on its own node, as Horovod on Ray places them); gradients are packed
 * into fusion buffers up to a threshold (Horovod's tensor fusion, 64 MB by default) and reduced
 * with the chosen {@link Reduction}: average, sum or Adasum, optionally as 16-bit values on the
 * wire ({@link Compression}). With {@link Builder#unevenInputs}, ranks may have different numbers
 * of batches and those that run out join the others' steps (Horovod's {@code join}). Horovod
 * itself cannot run in a JVM;
 * this is its model on the library's own collectives. Results, checkpoints and progress come
 * back to the driver as with {@link RayDdpStrategy}.
 *
 * <pre>{@code
 * var strategy = new HorovodRayStrategy(4, 1, false);
 * // or HorovodRayStrategy.builder().numHosts(2).numSlots(2).reduction(Reduction.ADASUM).build()
 * }</pre>
 */
public final class HorovodRayStrategy extends RayStrategy {

    private static final long serialVersionUID = 1L;

    private final int numHosts;
    private final int numSlots;
    private final long fusionThresholdBytes;
    private final Reduction reduction;
    private final int backwardPassesPerStep;
    private final Compression compression;
    private final boolean unevenInputs;

    /** {@code numWorkers} workers with {@code cpusPerWorker} CPUs each, packed on as few nodes as fit. */
    public HorovodRayStrategy(int numWorkers, int cpusPerWorker, boolean useGpu) {
        this(builder(numWorkers).cpusPerWorker(cpusPerWorker).useGpu(useGpu));
    }

    private HorovodRayStrategy(Builder b) {
        super(b);
        this.numHosts = b.numHosts;
        this.numSlots = b.numSlots;
        this.fusionThresholdBytes = b.fusionThresholdBytes;
        this.reduction = b.reduction;
        this.backwardPassesPerStep = b.backwardPassesPerStep;
        this.compression = b.compression;
        this.unevenInputs = b.unevenInputs;
    }

    /** A builder for {@code numWorkers} workers placed anywhere (packed by default). */
    public static Builder builder(int numWorkers) {
        Builder b = new Builder();
        b.numWorkers(numWorkers);
        return b;
    }

    /** A builder for hosts x slots: set {@link Builder#numHosts} and {@link Builder#numSlots}. */
    public static Builder builder() {
        Builder b = new Builder();
        b.hostsAndSlots = true;
        return b;
    }

    @Override
    protected WorkerStrategyFactory workerStrategyFactory() {
        return new Factory(fusionThresholdBytes, reduction, backwardPassesPerStep, compression, unevenInputs);
    }

    @Override
    protected int workersPerBundle() {
        return numSlots;
    }

    private record Factory(long fusionThresholdBytes, Reduction reduction, int backwardPassesPerStep,
            Compression compression, boolean unevenInputs) implements WorkerStrategyFactory {
        @Override
        public Strategy create(RankInfo rank, ProcessGroup group) {
            return new HorovodWorkerStrategy(rank, group, fusionThresholdBytes, reduction, backwardPassesPerStep,
                    compression, unevenInputs);
        }
    }

    /** Backward passes accumulated locally before one reduction and step (the trainer's accumulation window). */
    @Override
    public int backwardPassesPerStep() {
        return backwardPassesPerStep;
    }

    /** Hosts (nodes) the workers are spread over; 0 when placed as a plain number of workers. */
    public int numHosts() {
        return numHosts;
    }

    /** Workers per host; 1 when placed as a plain number of workers. */
    public int numSlots() {
        return numSlots;
    }

    public long fusionThresholdBytes() {
        return fusionThresholdBytes;
    }

    public Reduction reduction() {
        return reduction;
    }

    public Compression compression() {
        return compression;
    }

    /** Whether ranks may have different numbers of training batches (Horovod's join). */
    @Override
    public boolean joinsUnevenInputs() {
        return unevenInputs;
    }

    @Override
    public String toString() {
        String layout = numHosts > 0 ? "numHosts=" + numHosts + ", numSlots=" + numSlots : "numWorkers=" + numWorkers();
        return "HorovodRayStrategy(" + layout + ", reduction=" + reduction + ", compression=" + compression
                + (unevenInputs ? ", unevenInputs" : "") + ", bundle=" + bundle() + ", placement=" + placement() + ")";
    }

    /** Settings of a {@link HorovodRayStrategy}; defaults follow Horovod's. */
    public static final class Builder extends RayStrategyBuilder<Builder> {
        private boolean hostsAndSlots;
        private int numHosts;
        private int numSlots = 1;
        private long fusionThresholdBytes = 64L << 20;
        private Reduction reduction = Reduction.AVERAGE;
        private int backwardPassesPerStep = 1;
        private Compression compression = Compression.NONE;
        private boolean unevenInputs;

        private Builder() {
            super(1);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Hosts: each a placement bundle of {@code numSlots} workers on a node of its own. */
        public Builder numHosts(int hosts) {
            checkArgument(hostsAndSlots, "numHosts goes with HorovodRayStrategy.builder(), not builder(numWorkers)");
            this.numHosts = checkAtLeast(hosts, 1, "numHosts");
            return this;
        }

        /** Workers per host (Horovod's slots). */
        public Builder numSlots(int slots) {
            checkArgument(hostsAndSlots, "numSlots goes with HorovodRayStrategy.builder(), not builder(numWorkers)");
            this.numSlots = checkAtLeast(slots, 1, "numSlots");
            return this;
        }

        /** Gradients are fused into buffers of at most this many MB before reducing (Horovod's 64 by default). */
        public Builder fusionThresholdMb(double mb) {
            fusionThresholdBytes = Math.max(4, (long) (checkPositive(mb, "fusionThresholdMb") * (1 << 20)));
            return this;
        }

        /** How gradients are combined across workers (average by default). */
        public Builder reduction(Reduction r) {
            reduction = checkNotNull(r, "reduction");
            return this;
        }

        /** How gradients travel: float32 (default), or FP16 / BF16 at half the bytes, summed in float32. */
        public Builder compression(Compression c) {
            compression = checkNotNull(c, "compression");
            return this;
        }

        /**
         * Backward passes whose gradients are summed locally before one reduction and optimizer
         * step (Horovod's {@code backward_passes_per_step}, 1 by default). It is the trainer's
         * {@code accumulateGradBatches}: set one or the other, or both to the same value.
         */
        public Builder backwardPassesPerStep(int passes) {
            backwardPassesPerStep = checkAtLeast(passes, 1, "backwardPassesPerStep");
            return this;
        }

        /**
         * Uneven inputs, Horovod's {@code join} (off by default, when training data is padded so
         * every rank has as many batches). On: the training data is split without padding (or
         * the data module's loaders differ per rank, with the trainer's
         * {@code useDistributedSampler(false)}); the epoch lasts as long as the longest rank's,
         * and a rank that ran out takes the remaining optimizer steps with zero gradients, which
         * the average divides by all workers. Weights stay identical on every rank.
         */
        public Builder unevenInputs(boolean on) {
            unevenInputs = on;
            return this;
        }

        public HorovodRayStrategy build() {
            if (hostsAndSlots) {
                checkArgument(numHosts >= 1, "set numHosts (and numSlots) on HorovodRayStrategy.builder()");
                numWorkers(numHosts * numSlots);
                // one host per node, as Horovod on Ray places them; a single host is one bundle anyway
                placement(numHosts > 1 ? PlacementStrategy.STRICT_SPREAD : PlacementStrategy.PACK);
            }
            checkArgument(reduction != Reduction.ADASUM || compression == Compression.NONE,
                    "Adasum runs on float32 gradients; use Compression.NONE with it, got %s", compression);
            checkArgument(reduction != Reduction.ADASUM || Integer.bitCount(numWorkers) == 1,
                    "Adasum needs a power-of-two number of workers, got %s", numWorkers);
            return new HorovodRayStrategy(this);
        }
    }
}
