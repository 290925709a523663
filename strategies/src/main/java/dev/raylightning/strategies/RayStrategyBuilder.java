package dev.raylightning.strategies;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkAtLeast;
import static dev.raylightning.core.util.Checks.checkNotNull;
import static dev.raylightning.core.util.Checks.checkPositive;

import dev.raylightning.strategies.launcher.PlacementScope;
import dev.raylightning.strategies.launcher.PlacementStrategy;
import dev.raylightning.strategies.launcher.WorkerInitHook;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings every Ray strategy shares, ray_lightning's: workers, resources per worker, init
 * hook, placement and timeouts. A strategy's builder extends it with its own knobs.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class RayStrategyBuilder<B extends RayStrategyBuilder<B>> {

    int numWorkers;
    int cpusPerWorker = 1;
    boolean useGpu;
    final Map<String, Double> resourcesPerWorker = new LinkedHashMap<>();
    WorkerInitHook initHook;
    PlacementStrategy placement = PlacementStrategy.PACK;
    Duration collectiveTimeout = Duration.ofSeconds(120);
    Duration placementTimeout = Duration.ofSeconds(30);
    PlacementScope.Reservation reservation;

    protected RayStrategyBuilder(int numWorkers) {
        this.numWorkers = checkAtLeast(numWorkers, 1, "numWorkers");
    }

    /** This builder, typed as the concrete builder. */
    protected abstract B self();

    /** For builders that derive the worker count from other settings (Horovod's hosts x slots). */
    protected final void numWorkers(int n) {
        numWorkers = checkAtLeast(n, 1, "numWorkers");
    }

    public B cpusPerWorker(int cpus) {
        cpusPerWorker = checkAtLeast(cpus, 1, "cpusPerWorker");
        return self();
    }

    /** A GPU per worker. GPU training is not available yet: a launch that asks for GPUs is refused. */
    public B useGpu(boolean gpu) {
        useGpu = gpu;
        return self();
    }

    /** Ray resources per worker; "CPU" and "GPU" here override cpusPerWorker and useGpu. */
    public B resourcesPerWorker(Map<String, Double> resources) {
        checkNotNull(resources, "resourcesPerWorker");
        resources.forEach((k, v) -> checkArgument(v != null && v >= 0, "resourcesPerWorker[%s] must be >= 0, got %s",
                k, v));
        resourcesPerWorker.clear();
        resourcesPerWorker.putAll(resources);
        return self();
    }

    /** Code run on every worker before training (e.g. to set up logging or data). */
    public B initHook(WorkerInitHook hook) {
        initHook = hook;
        return self();
    }

    public B placement(PlacementStrategy p) {
        placement = checkNotNull(p, "placement");
        return self();
    }

    /** How long a collective waits for a peer before every rank aborts (default 120 s). */
    public B collectiveTimeout(Duration d) {
        collectiveTimeout = checkPositive(d, "collectiveTimeout");
        return self();
    }

    /** How long to wait for the cluster to reserve the workers' resources (default 30 s). */
    public B placementTimeout(Duration d) {
        placementTimeout = checkPositive(d, "placementTimeout");
        return self();
    }

    /**
     * Runs the workers in bundles someone else reserved (a Tune trial's, say) instead of
     * reserving a placement group. Without it, the reservation of the calling thread's open
     * {@link PlacementScope}, if any, is used at launch.
     */
    public B reservation(PlacementScope.Reservation r) {
        reservation = checkNotNull(r, "reservation");
        return self();
    }
}
