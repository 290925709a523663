package dev.raylightning.strategies;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkAtLeast;
import static dev.raylightning.core.util.Checks.checkNotNull;
import static dev.raylightning.core.util.Checks.checkPositive;

import dev.raylightning.core.strategy.RecoveryPolicy;
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

    /** How long workers stay up after a run unless {@link #workerIdleTimeout} says otherwise. */
    public static final Duration DEFAULT_WORKER_IDLE_TIMEOUT = Duration.ofSeconds(60);

    int numWorkers;
    int cpusPerWorker = 1;
    boolean useGpu;
    final Map<String, Double> resourcesPerWorker = new LinkedHashMap<>();
    WorkerInitHook initHook;
    PlacementStrategy placement = PlacementStrategy.PACK;
    Duration collectiveTimeout = Duration.ofSeconds(120);
    Duration placementTimeout = Duration.ofSeconds(30);
    Duration workerIdleTimeout = DEFAULT_WORKER_IDLE_TIMEOUT;
    PlacementScope.Reservation reservation;
    int maxFailures;
    /** The fewest workers a recovery may continue with (elastic); numWorkers when not elastic. */
    int minWorkers = -1;
    long recoveryCheckpointEveryNSteps = RecoveryPolicy.DEFAULT_SNAPSHOT_EVERY_N_STEPS;

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
     * How long the worker processes stay up after a successful run, for the next run with the same
     * worker layout in this JVM (default 60 s): a second {@code fit}, or {@code validate} after
     * {@code fit}, then starts in well under a second, with libtorch loaded and the JIT warm.
     * Idle workers hold their resources; they are released after this time, when a run needs
     * another layout, at {@code WorkerPool.releaseIdle()} and when Ray shuts down (JVM exit).
     * {@code Duration.ZERO} starts new workers for every run and releases them at its end.
     */
    public B workerIdleTimeout(Duration d) {
        checkNotNull(d, "workerIdleTimeout");
        checkArgument(!d.isNegative(), "workerIdleTimeout must be >= 0, got %s", d);
        workerIdleTimeout = d;
        return self();
    }

    /**
     * How many times a fit replaces its workers and continues after one of them died, hung past
     * {@link #collectiveTimeout} or lost its node (default 0: the first failure ends the fit, as
     * in ray_lightning). The fit continues from the latest recovery snapshot (see
     * {@link #recoveryCheckpointEveryNSteps}); an exception thrown by user code is not retried.
     */
    public B maxFailures(int n) {
        maxFailures = checkAtLeast(n, 0, "maxFailures");
        return self();
    }

    /**
     * Optimizer steps between recovery snapshots (default
     * {@value RecoveryPolicy#DEFAULT_SNAPSHOT_EVERY_N_STEPS}): with {@link #maxFailures} above
     * zero, rank zero sends the driver its weights, optimizer state, loop position, callback and
     * metric states this often (and between epochs once as many steps have passed), in memory;
     * a restarted fit repeats at most this many steps.
     */
    public B recoveryCheckpointEveryNSteps(long n) {
        recoveryCheckpointEveryNSteps = checkAtLeast(n, 1L, "recoveryCheckpointEveryNSteps");
        return self();
    }

    /**
     * Lets a recovery continue with fewer workers (Horovod Elastic's min/max np): the fit starts
     * with {@code maxWorkers}; when, after a failure, the cluster no longer holds that many (a
     * node is gone), it continues with as many as fit, at least {@code minWorkers}. At another
     * world size the data is sharded differently, so the interrupted epoch starts over from the
     * latest snapshot's weights, optimizer state and step count. The group does not grow back
     * during the fit. Needs {@link #maxFailures} above zero; not for workers that share bundles
     * (Horovod's hosts x slots).
     */
    public B elastic(int minWorkers, int maxWorkers) {
        checkAtLeast(minWorkers, 1, "minWorkers");
        checkArgument(minWorkers <= maxWorkers, "minWorkers (%s) must not exceed maxWorkers (%s)", minWorkers,
                maxWorkers);
        numWorkers(maxWorkers);
        this.minWorkers = minWorkers;
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
