package dev.raylightning.strategies;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.strategy.Launcher;
import dev.raylightning.core.strategy.IdentityCollectivesStrategy;
import dev.raylightning.strategies.launcher.RankInfo;
import dev.raylightning.strategies.launcher.RayLauncher;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Distributed data-parallel training on Ray, ray_lightning's {@code RayStrategy}: the trainer's
 * calls run on {@code numWorkers} Ray actors (one JVM each, in a placement group), which average
 * gradients over a TCP ring all-reduce before every optimizer step. Rank zero's weights, metrics
 * and callback states come back to the driver, so after {@code fit} the driver's module is the
 * trained one.
 *
 * <pre>{@code
 * var trainer = Trainer.builder().maxEpochs(4).strategy(new RayDdpStrategy(4, 1, false)).build();
 * trainer.fit(model, dataModule);
 * }</pre>
 *
 * Without {@code ray.address} (system property) or {@code RAY_ADDRESS}, a private local cluster
 * on 127.0.0.1 is started on first use and stopped when the JVM exits.
 */
public final class RayDdpStrategy extends IdentityCollectivesStrategy {

    private static final long serialVersionUID = 1L;

    private final int numWorkers;
    private final int cpusPerWorker;
    private final boolean useGpu;
    private final LinkedHashMap<String, Double> resourcesPerWorker;
    private final WorkerInitHook initHook;
    private final long bucketCapBytes;
    private final boolean findUnusedParameters;
    private final PlacementStrategy placement;
    private final Duration collectiveTimeout;
    private final Duration placementTimeout;

    /** {@code numWorkers} workers with {@code cpusPerWorker} CPUs each, and a GPU each if asked. */
    public RayDdpStrategy(int numWorkers, int cpusPerWorker, boolean useGpu) {
        this(builder(numWorkers).cpusPerWorker(cpusPerWorker).useGpu(useGpu));
    }

    private RayDdpStrategy(Builder b) {
        this.numWorkers = b.numWorkers;
        this.cpusPerWorker = b.cpusPerWorker;
        this.useGpu = b.useGpu;
        this.resourcesPerWorker = new LinkedHashMap<>(b.resourcesPerWorker);
        this.initHook = b.initHook;
        this.bucketCapBytes = b.bucketCapBytes;
        this.findUnusedParameters = b.findUnusedParameters;
        this.placement = b.placement;
        this.collectiveTimeout = b.collectiveTimeout;
        this.placementTimeout = b.placementTimeout;
    }

    public static Builder builder(int numWorkers) {
        return new Builder(numWorkers);
    }

    @Override
    public Optional<Launcher> launcher() {
        return Optional.of(new RayLauncher(this));
    }

    public int numWorkers() {
        return numWorkers;
    }

    /** CPUs each worker reserves: {@code resourcesPerWorker["CPU"]} when given, else cpusPerWorker. */
    public double effectiveCpusPerWorker() {
        return resourcesPerWorker.getOrDefault("CPU", (double) cpusPerWorker);
    }

    /**
     * GPUs each worker reserves: {@code resourcesPerWorker["GPU"]} when given, else one if useGpu.
     * The device follows this number, not the useGpu flag (ray_lightning let them disagree).
     */
    public double effectiveGpusPerWorker() {
        return resourcesPerWorker.getOrDefault("GPU", useGpu ? 1.0 : 0.0);
    }

    /** The Ray resources one worker's bundle reserves. */
    public Map<String, Double> bundle() {
        Map<String, Double> b = new LinkedHashMap<>(resourcesPerWorker);
        b.put("CPU", effectiveCpusPerWorker());
        double gpus = effectiveGpusPerWorker();
        if (gpus > 0) {
            b.put("GPU", gpus);
        } else {
            b.remove("GPU");
        }
        return b;
    }

    /** Torch intra-op threads per worker: its CPU share, at least one. */
    public int torchThreadsPerWorker() {
        return Math.max(1, (int) Math.floor(effectiveCpusPerWorker()));
    }

    public long bucketCapBytes() {
        return bucketCapBytes;
    }

    public boolean findUnusedParameters() {
        return findUnusedParameters;
    }

    public PlacementStrategy placement() {
        return placement;
    }

    public Duration collectiveTimeout() {
        return collectiveTimeout;
    }

    public Duration placementTimeout() {
        return placementTimeout;
    }

    /** Runs the init hook on a worker (called by the launcher's actors). */
    public void runInitHook(RankInfo rank) {
        if (initHook != null) {
            initHook.run(rank);
        }
    }

    // The driver's view (rank zero, identity collectives): the loop itself runs on the workers.

    @Override
    public int worldSize() {
        return numWorkers;
    }

    @Override
    public void reduceGradients(List<NDArray> gradients) {
        throw new IllegalStateException("RayDdpStrategy reduces gradients on its workers, not on the driver");
    }

    @Override
    public String toString() {
        return "RayDdpStrategy(numWorkers=" + numWorkers + ", bundle=" + bundle() + ", placement=" + placement + ")";
    }

    /** Settings of a {@link RayDdpStrategy}; defaults follow ray_lightning and torch DDP. */
    public static final class Builder {
        private final int numWorkers;
        private int cpusPerWorker = 1;
        private boolean useGpu;
        private final Map<String, Double> resourcesPerWorker = new LinkedHashMap<>();
        private WorkerInitHook initHook;
        private long bucketCapBytes = 25L << 20;
        private boolean findUnusedParameters;
        private PlacementStrategy placement = PlacementStrategy.PACK;
        private Duration collectiveTimeout = Duration.ofSeconds(120);
        private Duration placementTimeout = Duration.ofSeconds(30);

        private Builder(int numWorkers) {
            if (numWorkers < 1) {
                throw new IllegalArgumentException("numWorkers must be >= 1, got " + numWorkers);
            }
            this.numWorkers = numWorkers;
        }

        public Builder cpusPerWorker(int cpus) {
            if (cpus < 1) {
                throw new IllegalArgumentException("cpusPerWorker must be >= 1, got " + cpus);
            }
            cpusPerWorker = cpus;
            return this;
        }

        public Builder useGpu(boolean gpu) {
            useGpu = gpu;
            return this;
        }

        /** Ray resources per worker; "CPU" and "GPU" here override cpusPerWorker and useGpu. */
        public Builder resourcesPerWorker(Map<String, Double> resources) {
            for (Map.Entry<String, Double> e : resources.entrySet()) {
                if (e.getValue() == null || !(e.getValue() >= 0)) {
                    throw new IllegalArgumentException("resourcesPerWorker[" + e.getKey() + "] must be >= 0, got " + e.getValue());
                }
            }
            resourcesPerWorker.clear();
            resourcesPerWorker.putAll(resources);
            return this;
        }

        /** Code run on every worker before training (e.g. to set up logging or data). */
        public Builder initHook(WorkerInitHook hook) {
            initHook = hook;
            return this;
        }

        /** Gradients are all-reduced in buckets of at most this many MB (torch DDP's 25 by default). */
        public Builder bucketCapMb(double mb) {
            if (!(mb > 0)) {
                throw new IllegalArgumentException("bucketCapMb must be > 0, got " + mb);
            }
            bucketCapBytes = (long) (mb * (1 << 20));
            return this;
        }

        /**
         * Accepted for torch DDP parity; parameters without a gradient in a step always take part
         * in the all-reduce with zeros here, so unused parameters never stall the ring.
         */
        public Builder findUnusedParameters(boolean find) {
            findUnusedParameters = find;
            return this;
        }

        public Builder placement(PlacementStrategy p) {
            if (p == null) {
                throw new IllegalArgumentException("placement must not be null");
            }
            placement = p;
            return this;
        }

        /** How long a collective waits for a peer before every rank aborts (default 120 s). */
        public Builder collectiveTimeout(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("collectiveTimeout must be positive, got " + d);
            }
            collectiveTimeout = d;
            return this;
        }

        /** How long to wait for the cluster to reserve the workers' resources (default 30 s). */
        public Builder placementTimeout(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("placementTimeout must be positive, got " + d);
            }
            placementTimeout = d;
            return this;
        }

        public RayDdpStrategy build() {
            return new RayDdpStrategy(this);
        }
    }
}
