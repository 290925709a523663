package dev.raylightning.strategies;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.strategy.IdentityCollectivesStrategy;
import dev.raylightning.core.strategy.Launcher;
import dev.raylightning.core.strategy.RecoveryPolicy;
import dev.raylightning.strategies.cluster.Reservations;
import dev.raylightning.strategies.launcher.PlacementScope;
import dev.raylightning.strategies.launcher.PlacementStrategy;
import dev.raylightning.strategies.launcher.RayLauncher;
import dev.raylightning.strategies.launcher.WorkerGroupSpec;
import dev.raylightning.strategies.launcher.WorkerInitHook;
import dev.raylightning.strategies.launcher.WorkerStrategyFactory;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The driver's side of every Ray strategy: the worker group it asks for and the factory of its
 * workers' gradient policy, composed into a {@link RayLauncher}. On the driver it is rank zero of
 * a world of {@code numWorkers} with identity collectives (the loops run on the workers). A new
 * strategy extends it with one {@link #workerStrategyFactory()}.
 *
 * <p>Without {@code ray.address} (system property) or {@code RAY_ADDRESS}, a private local
 * cluster on 127.0.0.1 is started on first use and stopped when the JVM exits.
 */
public abstract class RayStrategy extends IdentityCollectivesStrategy {

    private static final long serialVersionUID = 1L;

    private final int numWorkers;
    private final int cpusPerWorker;
    private final boolean useGpu;
    private final LinkedHashMap<String, Double> resourcesPerWorker;
    private final WorkerInitHook initHook;
    private final PlacementStrategy placement;
    private final Duration collectiveTimeout;
    private final Duration placementTimeout;
    private final PlacementScope.Reservation reservation;
    private final Duration workerIdleTimeout;
    private final RecoveryPolicy recoveryPolicy;
    private final int minWorkers;

    protected RayStrategy(RayStrategyBuilder<?> b) {
        this.numWorkers = b.numWorkers;
        this.cpusPerWorker = b.cpusPerWorker;
        this.useGpu = b.useGpu;
        this.resourcesPerWorker = new LinkedHashMap<>(b.resourcesPerWorker);
        this.initHook = b.initHook;
        this.placement = b.placement;
        this.collectiveTimeout = b.collectiveTimeout;
        this.placementTimeout = b.placementTimeout;
        this.reservation = b.reservation;
        this.workerIdleTimeout = b.workerIdleTimeout;
        this.recoveryPolicy = new RecoveryPolicy(b.maxFailures, b.recoveryCheckpointEveryNSteps);
        this.minWorkers = b.minWorkers < 0 ? numWorkers : b.minWorkers;
        if (minWorkers < numWorkers && b.maxFailures == 0) {
            throw new IllegalArgumentException("elastic(" + minWorkers + ", " + numWorkers + ") continues after"
                    + " failures: set maxFailures above zero");
        }
    }

    /** The factory that builds each worker's strategy (its gradient policy) from its rank and group. */
    protected abstract WorkerStrategyFactory workerStrategyFactory();

    @Override
    public Optional<Launcher> launcher() {
        WorkerGroupSpec spec = workerGroup();
        if (minWorkers < numWorkers && spec.workersPerBundle() > 1) {
            throw new IllegalStateException(this + " is elastic, but its workers share bundles ("
                    + spec.workersPerBundle() + " per host): elastic(min, max) needs one worker per bundle");
        }
        return Optional.of(new RayLauncher(spec, workerStrategyFactory(), minWorkers));
    }

    /** The worker group this strategy asks for, in the calling thread's placement scope if any. */
    public WorkerGroupSpec workerGroup() {
        PlacementScope.Reservation reserved = reservation != null ? reservation : PlacementScope.current().orElse(null);
        // in bundles someone else reserved (a Tune trial's), each worker has its own bundle
        return new WorkerGroupSpec(toString(), numWorkers, bundle(), placement, placementTimeout, collectiveTimeout,
                torchThreadsPerWorker(), initHook, reserved, reserved != null ? 1 : workersPerBundle(),
                workerIdleTimeout);
    }

    /** Workers that share one placement bundle, i.e. one node (1; Horovod's slots per host). */
    protected int workersPerBundle() {
        return 1;
    }

    public int numWorkers() {
        return numWorkers;
    }

    /** The fewest workers a recovery may continue with: numWorkers unless {@code elastic(min, max)}. */
    public int minWorkers() {
        return minWorkers;
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
        return Reservations.torchThreads(effectiveCpusPerWorker());
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

    /** How long the workers stay up after a run for the next one with the same layout. */
    public Duration workerIdleTimeout() {
        return workerIdleTimeout;
    }

    /** How many failures a fit survives and how often it takes recovery snapshots. */
    @Override
    public RecoveryPolicy recoveryPolicy() {
        return recoveryPolicy;
    }

    @Override
    public int worldSize() {
        return numWorkers;
    }

    @Override
    public void reduceGradients(List<NDArray> gradients) {
        throw new IllegalStateException(getClass().getSimpleName()
                + " reduces gradients on its workers, not on the driver");
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(numWorkers=" + numWorkers + ", bundle=" + bundle() + ", placement="
                + placement + ")";
    }
}
