package dev.raylightning.strategies.launcher;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkAtLeast;
import static dev.raylightning.core.util.Checks.checkNotNull;
import static dev.raylightning.core.util.Checks.checkPositive;

import java.io.Serializable;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The worker group a Ray strategy asks {@link RayLauncher} for: how many workers, what each
 * reserves, how they are placed, how long to wait for them, torch threads per worker, the code
 * each runs first, and the bundles it runs inside when someone else reserved them (a Tune trial's).
 *
 * @param owner what asked for the workers, for messages (a strategy's {@code toString})
 * @param numWorkers workers, one rank each
 * @param bundle the Ray resources each worker's bundle reserves
 * @param placement PACK or SPREAD over nodes
 * @param placementTimeout how long to wait for the cluster to reserve the bundles
 * @param collectiveTimeout how long a collective waits for a peer before every rank aborts
 * @param torchThreads torch intra-op threads per worker
 * @param initHook code run on every worker before its rank starts, or null
 * @param reservation bundles reserved by someone else to run in, or null to reserve a group
 * @param workersPerBundle workers sharing one placement bundle (Horovod's slots per host; 1 otherwise):
 *     the group reserves {@code numWorkers / workersPerBundle} bundles of that many workers' resources
 * @param workerIdleTimeout how long the workers stay up after a successful launch for the next one
 *     with the same layout ({@link WorkerPool}); zero releases them at the end of every launch
 */
public record WorkerGroupSpec(String owner, int numWorkers, Map<String, Double> bundle, PlacementStrategy placement,
        Duration placementTimeout, Duration collectiveTimeout, int torchThreads, WorkerInitHook initHook,
        PlacementScope.Reservation reservation, int workersPerBundle, Duration workerIdleTimeout)
        implements Serializable {

    public WorkerGroupSpec {
        checkNotNull(owner, "owner");
        checkAtLeast(numWorkers, 1, "numWorkers");
        bundle = Map.copyOf(checkNotNull(bundle, "bundle"));
        bundle.forEach((k, v) -> checkArgument(v >= 0, "bundle[%s] must be >= 0, got %s", k, v));
        checkNotNull(placement, "placement");
        checkPositive(placementTimeout, "placementTimeout");
        checkPositive(collectiveTimeout, "collectiveTimeout");
        checkAtLeast(torchThreads, 1, "torchThreads");
        checkAtLeast(workersPerBundle, 1, "workersPerBundle");
        checkArgument(numWorkers % workersPerBundle == 0, "numWorkers (%s) must be a multiple of workersPerBundle (%s)",
                numWorkers, workersPerBundle);
        checkArgument(reservation == null || workersPerBundle == 1,
                "workers sharing bundles (%s per bundle) cannot run in bundles reserved by someone else", workersPerBundle);
        checkNotNull(workerIdleTimeout, "workerIdleTimeout");
        checkArgument(!workerIdleTimeout.isNegative(), "workerIdleTimeout must be >= 0, got %s", workerIdleTimeout);
    }

    /** This spec with {@code n} workers (an elastic launch that continues with fewer). */
    public WorkerGroupSpec withNumWorkers(int n) {
        return new WorkerGroupSpec(owner, n, bundle, placement, placementTimeout, collectiveTimeout, torchThreads,
                initHook, reservation, workersPerBundle, workerIdleTimeout);
    }

    /**
     * Whether the workers may be kept for a later launch: a timeout above zero, bundles reserved
     * by the launch itself (a Tune trial's bundles belong to the trial).
     */
    public boolean reusable() {
        return !workerIdleTimeout.isZero() && reservation == null;
    }

    /** The resources of one placement bundle: {@code workersPerBundle} workers' worth. */
    public Map<String, Double> placementBundle() {
        Map<String, Double> b = new java.util.LinkedHashMap<>();
        bundle.forEach((k, v) -> b.put(k, v * workersPerBundle));
        return b;
    }

    /** CPUs of one worker's bundle. */
    public double cpusPerWorker() {
        return bundle.getOrDefault("CPU", 0.0);
    }

    /** GPUs of one worker's bundle. */
    public double gpusPerWorker() {
        return bundle.getOrDefault("GPU", 0.0);
    }

    public Optional<PlacementScope.Reservation> reserved() {
        return Optional.ofNullable(reservation);
    }
}
