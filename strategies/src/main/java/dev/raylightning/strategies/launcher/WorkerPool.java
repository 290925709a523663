package dev.raylightning.strategies.launcher;

import dev.raylightning.strategies.cluster.RayRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Worker groups kept warm between launches of this JVM: a launch whose workers have the layout of
 * an idle group (worker count, resources, placement, torch threads) runs on it instead of
 * starting new JVMs, so a second {@code fit}, or {@code validate} after {@code fit}, starts in
 * well under a second and with libtorch loaded and the JIT warm. An idle group is released after
 * its idle timeout, when a launch needs a different layout (so idle workers never hold resources
 * another launch waits for), when Ray shuts down (also at JVM exit) and on {@link #releaseIdle()}.
 * A group whose launch failed or was interrupted is never kept.
 */
public final class WorkerPool {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
    /** How long a kept group may take to show it is alive before a launch starts new workers instead. */
    private static final long ANSWER_MILLIS = 10_000;
    private static final WorkerPool SHARED = new WorkerPool();

    /** What makes two groups interchangeable. The init hook is not part of it: it runs on every launch. */
    record Layout(int numWorkers, Map<String, Double> bundle, PlacementStrategy placement, int torchThreads,
            int workersPerBundle) {
        static Layout of(WorkerGroupSpec s) {
            return new Layout(s.numWorkers(), s.bundle(), s.placement(), s.torchThreads(), s.workersPerBundle());
        }
    }

    /** A kept group; its expiry is set right after it is scheduled, under the pool's lock. */
    private static final class Idle {
        final Layout layout;
        final WorkerGroup group;
        ScheduledFuture<?> expiry;

        Idle(Layout layout, WorkerGroup group) {
            this.layout = layout;
            this.group = group;
        }
    }

    private final List<Idle> idle = new ArrayList<>();
    private ScheduledExecutorService timer;
    private final AtomicBoolean hooked = new AtomicBoolean();

    private WorkerPool() {}

    static WorkerPool shared() {
        return SHARED;
    }

    /**
     * A group for {@code spec}: a kept one of the same layout that still answers (when the spec
     * allows reuse), or else new workers, after releasing every idle group, whose resources the
     * new one may need (unless it runs in bundles someone else reserved).
     */
    WorkerGroup acquire(WorkerGroupSpec spec) {
        return acquire(spec, WorkerGroup.ACTOR_START_MILLIS);
    }

    /** {@link #acquire(WorkerGroupSpec)}, with new workers given {@code startMillis} to answer. */
    WorkerGroup acquire(WorkerGroupSpec spec, long startMillis) {
        if (spec.reusable()) {
            Optional<WorkerGroup> kept = take(Layout.of(spec));
            if (kept.isPresent()) {
                if (kept.get().answers(ANSWER_MILLIS)) {
                    LOG.debug("Reusing idle workers {}", kept.get());
                    return kept.get();
                }
                kept.get().release();
            }
        }
        if (spec.reservation() == null) {
            releaseIdle();
        }
        return WorkerGroup.start(spec, startMillis);
    }

    /**
     * After a successful launch: keeps the group for its spec's idle timeout, or releases it when
     * the spec does not allow reuse.
     */
    void keepOrRelease(WorkerGroup group) {
        WorkerGroupSpec spec = group.spec();
        if (!spec.reusable() || !group.ownsPlacementGroup()) {
            group.release();
            return;
        }
        Duration timeout = spec.workerIdleTimeout();
        if (hooked.compareAndSet(false, true)) {
            RayRuntime.beforeShutdown(WorkerPool::releaseIdle); // not under this lock: shutdown holds its own
        }
        synchronized (this) {
            if (timer == null) {
                ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread th = new Thread(r, "ray-lightning-worker-pool");
                    th.setDaemon(true);
                    return th;
                });
                t.setRemoveOnCancelPolicy(true);
                timer = t;
            }
            Idle entry = new Idle(Layout.of(spec), group);
            idle.add(entry);
            // expire() takes this lock first, so it sees the expiry set even for a tiny timeout
            entry.expiry = timer.schedule(() -> expire(entry), timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Releases every idle worker group of this JVM now; returns how many there were. */
    public static int releaseIdle() {
        List<WorkerGroup> out = new ArrayList<>();
        synchronized (SHARED) {
            for (Idle i : SHARED.idle) {
                i.expiry.cancel(false);
                out.add(i.group);
            }
            SHARED.idle.clear();
        }
        out.forEach(WorkerGroup::release);
        return out.size();
    }

    /** Idle worker groups of this JVM kept for reuse. */
    public static int idleGroups() {
        synchronized (SHARED) {
            return SHARED.idle.size();
        }
    }

    /** The process ids of the idle groups' workers, one list per group in rank order (diagnostics, tests). */
    public static List<List<Long>> idleWorkerPids() {
        List<WorkerGroup> groups = new ArrayList<>();
        synchronized (SHARED) {
            SHARED.idle.forEach(i -> groups.add(i.group));
        }
        return groups.stream().map(WorkerGroup::pids).toList();
    }

    private synchronized Optional<WorkerGroup> take(Layout layout) {
        for (Iterator<Idle> it = idle.iterator(); it.hasNext(); ) {
            Idle i = it.next();
            if (i.layout.equals(layout)) {
                it.remove();
                i.expiry.cancel(false);
                return Optional.of(i.group);
            }
        }
        return Optional.empty();
    }

    private void expire(Idle entry) {
        synchronized (this) {
            if (!idle.remove(entry)) {
                return; // taken by a launch, or released already
            }
        }
        LOG.debug("Releasing workers {}, idle for {}", entry.group, entry.group.spec().workerIdleTimeout());
        entry.group.release();
    }
}
