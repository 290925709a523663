package dev.raylightning.strategies;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkAtLeast;
import static dev.raylightning.core.util.Checks.checkNotNull;
import static dev.raylightning.core.util.Checks.checkPositive;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.strategies.horovod.Compression;
import dev.raylightning.strategies.horovod.HorovodOptions;
import dev.raylightning.strategies.horovod.HorovodWorkerStrategy;
import dev.raylightning.strategies.horovod.Reduction;
import dev.raylightning.strategies.launcher.PlacementStrategy;
import dev.raylightning.strategies.launcher.WorkerStrategyFactory;
import dev.raylightning.strategies.timeline.TimelineEvents;
import dev.raylightning.strategies.timeline.TimelineFile;
import dev.raylightning.strategies.timeline.TimelineRecorder;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
 * back to the driver as with {@link RayDdpStrategy}. With a {@link Builder#timeline timeline},
 * every rank records its steps and collectives, and the driver writes them as one Chrome trace.
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
    /** What every worker needs of these settings. */
    private final HorovodOptions options;
    /** Absolute path of the timeline on the driver, or null; a String because a Path does not serialize. */
    private final String timeline;

    /** {@code numWorkers} workers with {@code cpusPerWorker} CPUs each, packed on as few nodes as fit. */
    public HorovodRayStrategy(int numWorkers, int cpusPerWorker, boolean useGpu) {
        this(builder(numWorkers).cpusPerWorker(cpusPerWorker).useGpu(useGpu));
    }

    private HorovodRayStrategy(Builder b) {
        super(b);
        this.numHosts = b.numHosts;
        this.numSlots = b.numSlots;
        this.timeline = b.timeline;
        this.options = new HorovodOptions(b.fusionThresholdBytes, b.reduction, b.backwardPassesPerStep, b.compression,
                b.timeline == null ? 0 : TimelineRecorder.DEFAULT_CAPACITY, b.unevenInputs);
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
        return new Factory(options);
    }

    @Override
    protected int workersPerBundle() {
        return numSlots;
    }

    private record Factory(HorovodOptions options) implements WorkerStrategyFactory {
        @Override
        public Strategy create(RankInfo rank, ProcessGroup group) {
            return new HorovodWorkerStrategy(rank, group, options);
        }
    }

    /**
     * Writes the ranks' timelines as one trace when they recorded steps: a fit does, so the file
     * holds the latest fit; validate, test and predict take no step and leave it as it is. A
     * trace that cannot be written is logged, not thrown: the run it describes has succeeded.
     */
    @Override
    public void onWorkerReports(List<Serializable> reportsByRank) {
        if (timeline == null) {
            return;
        }
        List<TimelineEvents> ranks = new ArrayList<>();
        long steps = 0;
        long dropped = 0;
        for (Serializable report : reportsByRank) {
            if (report instanceof TimelineEvents events) {
                ranks.add(events);
                steps += events.steps();
                dropped += events.dropped();
            }
        }
        if (steps == 0 && dropped == 0) {
            return;
        }
        var log = LoggerFactory.getLogger(HorovodRayStrategy.class);
        try {
            TimelineFile.write(Path.of(timeline), ranks);
            log.info("Horovod timeline of {} ranks written to {}", ranks.size(), timeline);
        } catch (UncheckedIOException e) {
            log.error("The Horovod timeline could not be written; training itself succeeded: {}", e.getMessage());
        }
        if (dropped > 0) {
            log.warn("The Horovod timeline {} lacks {} events: each rank keeps at most {} (whole steps are dropped)",
                    timeline, dropped, TimelineRecorder.DEFAULT_CAPACITY);
        }
    }

    /** Backward passes accumulated locally before one reduction and step (the trainer's accumulation window). */
    @Override
    public int backwardPassesPerStep() {
        return options.backwardPassesPerStep();
    }

    /** Whether ranks may have different numbers of training batches (Horovod's join). */
    @Override
    public boolean joinsUnevenInputs() {
        return options.unevenInputs();
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
        return options.fusionThresholdBytes();
    }

    public Reduction reduction() {
        return options.reduction();
    }

    public Compression compression() {
        return options.compression();
    }

    /** Where the driver writes the timeline after a fit, if anywhere. */
    public Optional<Path> timeline() {
        return Optional.ofNullable(timeline).map(Path::of);
    }

    @Override
    public String toString() {
        String layout = numHosts > 0 ? "numHosts=" + numHosts + ", numSlots=" + numSlots : "numWorkers=" + numWorkers();
        return "HorovodRayStrategy(" + layout + ", reduction=" + options.reduction() + ", compression="
                + options.compression() + (options.unevenInputs() ? ", unevenInputs" : "") + ", bundle=" + bundle()
                + ", placement=" + placement() + ")";
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
        private String timeline;
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
         * Records Horovod's timeline: every rank's optimizer steps and, inside each, the wait for
         * every rank, the copies into and out of each fusion buffer and its collective, written by
         * the driver after each fit as one Chrome trace at {@code path} (a relative path is taken
         * from the current directory now; parents are created). Open it in Perfetto or
         * chrome://tracing. Off by default, and then nothing is timed.
         */
        public Builder timeline(Path path) {
            Path p = checkNotNull(path, "timeline").toAbsolutePath().normalize();
            checkArgument(p.getFileName() != null && !Files.isDirectory(p),
                    "timeline must name a file, got the directory %s", p);
            Path existing = p.getParent();
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            // the missing parents are created when the trace is written; a file in their way never lets them be
            checkArgument(existing == null || Files.isDirectory(existing),
                    "timeline %s cannot be written: %s is not a directory", p, existing);
            timeline = p.toString();
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
            // HorovodOptions, made in the constructor, refuses Adasum with compression
            checkArgument(reduction != Reduction.ADASUM || Integer.bitCount(numWorkers) == 1,
                    "Adasum needs a power-of-two number of workers, got %s", numWorkers);
            return new HorovodRayStrategy(this);
        }
    }
}
