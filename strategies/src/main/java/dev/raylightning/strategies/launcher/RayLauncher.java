package dev.raylightning.strategies.launcher;

import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.strategy.Launcher;
import dev.raylightning.core.strategy.RankTask;
import dev.raylightning.core.util.Pause;
import dev.raylightning.strategies.cluster.ClusterResources;
import dev.raylightning.strategies.cluster.NativeHeapTrim;
import dev.raylightning.strategies.cluster.NodeLiveness;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.cluster.Reservations;
import dev.raylightning.strategies.shipping.ShippedPayload;
import io.ray.api.exception.RayActorException;
import io.ray.api.exception.RayTimeoutException;

import java.io.Serializable;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs a {@link RankTask} on a group of Ray actors, for any Ray strategy: checks the cluster can
 * ever fit the {@link WorkerGroupSpec}, takes a {@link WorkerGroup} of that layout (kept warm by
 * the {@link WorkerPool}, or started: a placement group, or the bundles reserved for it, and one
 * {@link RayWorker} per rank), wires their process group through the driver, and runs the task on
 * them ({@link LaunchRun}: each rank builds its strategy with the {@link WorkerStrategyFactory},
 * rank zero's progress streams back, every rank's result returns). On failure and on interruption
 * the actors and the placement group are released; on success they go back to the pool for the
 * spec's idle timeout (or are released if it is zero). Dead workers and broken collectives are
 * {@linkplain #isRecoverable recoverable}: the trainer may launch again. An elastic launcher
 * continues after a failure with the workers the cluster still holds, watches such a shrunk group
 * for room to grow, and then sizes the next launch to the cluster again.
 */
public final class RayLauncher implements Launcher {

    /**
     * How long a recovery waits for a lost node to be marked dead, and keeps trying to start
     * workers that die while starting (Ray marks a lost node dead in about 15 s).
     */
    private static final long SETTLE_MILLIS = 60_000;
    /** A pause after a node was found lost, before new workers are created. */
    private static final long NODE_LOSS_SETTLE_MILLIS = 5_000;
    /** How long new workers of a recovery may take to answer before they are replaced by others. */
    private static final long RECOVERY_START_MILLIS = 30_000;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RayLauncher.class);

    /** Prefix of the names of placement groups and worker actors this launcher creates. */
    public static final String NAME_PREFIX = "ray-lightning-";

    private final WorkerGroupSpec fullSpec;
    private final WorkerStrategyFactory strategyFactory;
    /** The fewest workers a launch after a failure may run with (elastic strategies; else all of them). */
    private final int minWorkers;
    /** Whether the last launch of this launcher (one trainer call's) failed: the next one is a recovery. */
    private boolean afterFailure;
    /** The nodes of the ranks whose failure ended the last launch. */
    private final Set<String> failedNodes = new HashSet<>();
    /** Whether the last launch's shrunk group was asked to end for a larger one. */
    private boolean growAsked;
    /** The workers of the last launch that started. */
    private int lastWorkers;

    public RayLauncher(WorkerGroupSpec spec, WorkerStrategyFactory strategyFactory) {
        this(spec, strategyFactory, spec.numWorkers());
    }

    /** A launcher whose launches after a failure may continue with as few as {@code minWorkers}. */
    public RayLauncher(WorkerGroupSpec spec, WorkerStrategyFactory strategyFactory, int minWorkers) {
        this.fullSpec = spec;
        this.strategyFactory = strategyFactory;
        this.minWorkers = minWorkers;
    }

    @Override
    public <R extends Serializable> List<R> launch(RankTask<R> task, Consumer<ProgressEvent> progress) {
        if (fullSpec.gpusPerWorker() > 0) {
            // refused before any cluster work: workers would reserve GPUs and train on the CPU
            throw new IllegalStateException(fullSpec.owner() + " asks for "
                    + ClusterResources.number(fullSpec.gpusPerWorker())
                    + " GPU per worker, but GPU training is not available yet: build the strategy with useGpu(false)"
                    + " and no \"GPU\" in resourcesPerWorker.");
        }
        RayRuntime runtime = RayRuntime.get();
        if (!failedNodes.isEmpty()) {
            // a worker died with its node? Ray must mark the node dead before it stops placing workers there
            if (!NodeLiveness.awaitSettled(failedNodes, Duration.ofMillis(SETTLE_MILLIS)).isEmpty()) {
                // Ray is still cleaning up after the node (its placement groups, actors). The new
                // actors once seen never to start there had another cause (the test driver had
                // attached to the removed node); the pause stays as a margin, not a measured need
                Pause.millis(NODE_LOSS_SETTLE_MILLIS);
            }
            failedNodes.clear();
        }
        WorkerGroupSpec spec = afterFailure || growAsked ? elasticSpec(runtime, afterFailure) : fullSpec;
        if (spec.reserved().isPresent()) {
            checkReservationFits(spec, spec.reserved().get());
        } else {
            ClusterResources.checkFits(runtime, spec.owner(), spec.numWorkers() * spec.cpusPerWorker(),
                    spec.numWorkers() * spec.gpusPerWorker(), String.format(" (%d workers x %s CPU)",
                            spec.numWorkers(), ClusterResources.number(spec.cpusPerWorker())));
        }
        int bundles = spec.numWorkers() / spec.workersPerBundle();
        if (spec.placement() == PlacementStrategy.STRICT_SPREAD && spec.reserved().isEmpty()
                && bundles > runtime.aliveNodes()) {
            throw new IllegalStateException(String.format("%s needs %d distinct nodes (one per host), but the Ray"
                    + " cluster has %d; use fewer hosts, or numWorkers to place the workers on any node.",
                    spec.owner(), bundles, runtime.aliveNodes()));
        }
        byte[] payload = ShippedPayload.of(new WorkerJob(task, strategyFactory, spec.initHook())).toBytes();
        WorkerPool pool = WorkerPool.shared();
        WorkerGroup group = afterFailure ? acquireWhileClusterSettles(pool, spec)
                : growAsked ? acquireLarger(pool, spec) : pool.acquire(spec);
        spec = spec.withNumWorkers(group.actors().size()); // a larger group that did not start falls back
        lastWorkers = spec.numWorkers();
        afterFailure = true; // until this launch succeeds
        growAsked = false;
        boolean succeeded = false;
        try {
            List<String> endpoints = group.listen(runtime.isLocal());
            LaunchRun run = new LaunchRun(spec, group, roomToGrow(runtime, spec));
            List<Serializable> results = run.run(payload, endpoints, progress);
            @SuppressWarnings("unchecked")
            List<R> typed = (List<R>) (List<?>) results;
            succeeded = true;
            afterFailure = false;
            growAsked = run.growRequested();
            return typed;
        } catch (RayWorkerException e) {
            e.nodeId().ifPresent(failedNodes::add);
            throw e;
        } finally {
            try {
                if (succeeded) {
                    pool.keepOrRelease(group);
                } else {
                    group.release(); // a failed or interrupted launch may leave its workers in any state
                }
            } finally {
                NativeHeapTrim.afterLaunch();
            }
        }
    }

    /**
     * Takes a worker group for a launch that follows a failed one. While a cluster is still
     * losing a node, a new worker may die while starting (placed on that node) or not answer in
     * time: such a start is given {@link #RECOVERY_START_MILLIS} and tried again with new actors
     * until twice {@link #SETTLE_MILLIS} have passed. Any other start failure is thrown at once.
     */
    private WorkerGroup acquireWhileClusterSettles(WorkerPool pool, WorkerGroupSpec spec) {
        long deadline = System.currentTimeMillis() + 2 * SETTLE_MILLIS;
        while (true) {
            try {
                return pool.acquire(spec, RECOVERY_START_MILLIS);
            } catch (IllegalStateException e) {
                boolean transientStart = e.getCause() instanceof RayActorException
                        || e.getCause() instanceof RayTimeoutException;
                if (!transientStart || System.currentTimeMillis() > deadline || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                LOG.warn(
                        "New workers did not start ({}); the cluster may still be losing a node, trying again",
                        Reservations.firstLine(e.getMessage()));
                Pause.millis(1_000);
            }
        }
    }

    /** Whether the workers can change in number after a start: an elastic strategy's own placement group. */
    private boolean elastic() {
        return minWorkers < fullSpec.numWorkers() && fullSpec.reserved().isEmpty() && fullSpec.workersPerBundle() == 1
                && fullSpec.cpusPerWorker() > 0;
    }

    /** How many workers the cluster's CPUs hold, at most the full group. */
    private int room(double cpus) {
        return Math.min(fullSpec.numWorkers(), (int) Math.floor(cpus / fullSpec.cpusPerWorker() + 1e-9));
    }

    /**
     * The group for a launch after a failure or a shrunk group's end for a larger one: the full
     * one, or for an elastic strategy as many workers as the cluster's CPUs now hold, at least
     * {@code minWorkers} (refused below that).
     */
    private WorkerGroupSpec elasticSpec(RayRuntime runtime, boolean afterFailure) {
        int full = fullSpec.numWorkers();
        if (!elastic()) {
            return fullSpec;
        }
        double cpus = runtime.totalCpus();
        int room = room(cpus);
        if (room >= full) {
            if (!afterFailure) {
                LOG.warn("The Ray cluster holds {} CPUs again: continuing with all {} workers", ClusterResources.number(cpus),
                        full);
            }
            return fullSpec;
        }
        if (room < minWorkers) {
            throw new IllegalStateException(String.format("%s: the Ray cluster now holds %s CPUs, room for %d workers"
                    + " of %s CPU, fewer than elastic's minimum of %d", fullSpec.owner(), ClusterResources.number(cpus),
                    room, ClusterResources.number(fullSpec.cpusPerWorker()), minWorkers));
        }
        LOG.warn("The Ray cluster now holds {} CPUs: continuing with {} of {} workers (elastic, at least {}){}",
                ClusterResources.number(cpus), room, full, minWorkers,
                afterFailure ? "; they share the rest of the interrupted epoch" : "");
        return fullSpec.withNumWorkers(room);
    }

    /**
     * For a shrunk elastic group: whether the cluster now has room for more workers than it runs
     * (the CPUs of every live node, counting the group's own); null when the group is not to grow.
     */
    private BooleanSupplier roomToGrow(RayRuntime runtime, WorkerGroupSpec running) {
        int workers = running.numWorkers();
        return elastic() && workers < fullSpec.numWorkers() ? () -> room(runtime.totalCpus()) > workers : null;
    }

    /**
     * Takes the larger group a shrunk one ended for; if its workers cannot start (the room was
     * taken meanwhile), continues with as many as before.
     */
    private WorkerGroup acquireLarger(WorkerPool pool, WorkerGroupSpec spec) {
        try {
            return pool.acquire(spec, RECOVERY_START_MILLIS);
        } catch (IllegalStateException e) {
            if (lastWorkers <= 0 || lastWorkers >= spec.numWorkers() || Thread.currentThread().isInterrupted()) {
                throw e;
            }
            LOG.warn("{} new workers did not start ({}); continuing with {}", spec.numWorkers(),
                    Reservations.firstLine(e.getMessage()), lastWorkers);
            return pool.acquire(spec.withNumWorkers(lastWorkers));
        }
    }

    /** Fails at once when the bundles reserved for this thread cannot hold the workers. */
    private void checkReservationFits(WorkerGroupSpec spec, PlacementScope.Reservation r) {
        if (spec.numWorkers() > r.bundleCount()) {
            throw new IllegalStateException(String.format(
                    "%s needs %d workers, but this process holds %d reserved worker bundles (%s); "
                            + "ask for as many workers in the trial's resources as the strategy uses.",
                    spec.owner(), spec.numWorkers(), r.bundleCount(), r.bundle()));
        }
        for (Map.Entry<String, Double> need : spec.bundle().entrySet()) {
            double have = r.bundle().getOrDefault(need.getKey(), 0.0);
            if (need.getValue() > have + 1e-9) {
                throw new IllegalStateException(String.format(
                        "%s needs %s per worker, but each reserved worker bundle holds %s (short of %s); "
                                + "ask for matching per-worker resources in the trial's resources.",
                        spec.owner(), spec.bundle(), r.bundle(), need.getKey()));
            }
        }
    }

    /**
     * A worker process that died (or its node), and a collective that broke or timed out (a hung
     * or stopped peer): new workers can get past these. An exception from user code cannot.
     */
    @Override
    public boolean isRecoverable(RuntimeException failure) {
        return failure instanceof RayWorkerException w && (WorkerOutcome.WORKER_DIED.equals(w.workerErrorType())
                || w.workerErrorType().endsWith("CollectiveException"));
    }
}
