package dev.raylightning.strategies.launcher;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.core.util.JavaBytes;
import dev.raylightning.strategies.cluster.Reservations;
import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.Ray;
import io.ray.api.WaitResult;
import io.ray.api.exception.RayActorException;
import io.ray.api.exception.RayException;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One launch's run on started workers: ships the job with each rank's control, streams rank
 * zero's events and every rank's warnings while the ranks run, collects their outcomes, and on a
 * failure names the rank whose error is first-hand (or the one that stopped answering). A shrunk
 * elastic group is watched for room to grow: once there is, rank zero is asked (once) to end the
 * run at its next epoch boundary.
 */
final class LaunchRun {

    /** How often the driver looks at its thread's interrupt flag while workers run. */
    private static final int WAIT_MILLIS = 500;
    private static final long FAILURE_GRACE_MILLIS = 3_000;
    /** How long a rank whose actor is gone may take to report its run's result before it is called dead. */
    private static final long GONE_GRACE_MILLIS = 10_000;
    /** How often a shrunk group asks whether the cluster has room for more workers. */
    private static final long GROW_CHECK_MILLIS = 5_000;

    private final WorkerGroupSpec spec;
    private final WorkerGroup group;
    private final List<ActorHandle<RayWorker>> actors;
    /** Whether the cluster now has room for a larger group; null when this group is not to grow. */
    private final BooleanSupplier roomToGrow;
    private long lastGrowCheck = System.currentTimeMillis();
    private boolean growRequested;

    LaunchRun(WorkerGroupSpec spec, WorkerGroup group) {
        this(spec, group, null);
    }

    /** A run whose group asks to end for a larger one once {@code roomToGrow} says so (null: never). */
    LaunchRun(WorkerGroupSpec spec, WorkerGroup group, BooleanSupplier roomToGrow) {
        this.spec = spec;
        this.group = group;
        this.actors = group.actors();
        this.roomToGrow = roomToGrow;
    }

    /** Whether rank zero was asked to end the run early for a larger group. */
    boolean growRequested() {
        return growRequested;
    }

    List<Serializable> run(byte[] payload, List<String> endpoints, Consumer<ProgressEvent> progress) {
        List<RankInfo> ranks = group.ranks();
        String csv = String.join(",", endpoints);
        GroupSecret secret = GroupSecret.random(); // this launch's only: travels to the ranks in their control
        List<ObjectRef<byte[]>> refs = new ArrayList<>();
        for (int i = 0; i < actors.size(); i++) {
            byte[] control = JavaBytes.write(new WorkerControl(ranks.get(i), spec.collectiveTimeout().toMillis(),
                    secret));
            refs.add(actors.get(i).task(RayWorker::run, payload, csv, control).remote());
        }
        // one drain call per rank stays outstanding: it returns when the rank has progress
        // (rank zero) or at least every DRAIN_WAIT_MILLIS with the warnings it logged
        List<ObjectRef<byte[]>> drains = new ArrayList<>();
        for (ActorHandle<RayWorker> a : actors) {
            drains.add(a.task(RayWorker::drainEvents).remote());
        }
        WorkerOutcome[] outcomes;
        try {
            outcomes = awaitOutcomes(refs, drains, progress);
        } catch (RuntimeException e) {
            showLastWarnings(drains);
            throw e;
        }
        // every rank's run is over: finish the outstanding drains, then take what is left, in order
        for (int i = 0; i < drains.size(); i++) {
            if (drains.get(i) != null) {
                deliverEvents(i, drains.get(i), progress);
            }
            deliverEvents(i, actors.get(i).task(RayWorker::drainEvents).remote(), progress);
        }
        List<Serializable> results = new ArrayList<>();
        for (WorkerOutcome o : outcomes) {
            results.add(o.result());
        }
        return results;
    }

    /**
     * Waits for every rank's outcome, delivering drained events meanwhile; throws on the first
     * failure. Outcomes are collected before events each round (a wait that returns one ready
     * object might otherwise keep returning a drain), a rank whose drain finds its actor gone
     * gets no new drain, and if its run's result does not follow within
     * {@link #GONE_GRACE_MILLIS}, it is reported dead.
     */
    private WorkerOutcome[] awaitOutcomes(List<ObjectRef<byte[]>> refs, List<ObjectRef<byte[]>> drains,
            Consumer<ProgressEvent> progress) {
        WorkerOutcome[] outcomes = new WorkerOutcome[refs.size()];
        long[] goneSince = new long[refs.size()];
        int done = 0;
        while (done < refs.size()) {
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while " + spec.numWorkers()
                        + " Ray workers were running; workers and their placement group are being released");
            }
            List<ObjectRef<byte[]>> pending = new ArrayList<>();
            List<ObjectRef<byte[]>> waitFor = new ArrayList<>();
            for (int i = 0; i < refs.size(); i++) {
                if (outcomes[i] == null) {
                    pending.add(refs.get(i));
                    waitFor.add(refs.get(i));
                }
                if (drains.get(i) != null) {
                    waitFor.add(drains.get(i));
                }
            }
            List<ObjectRef<byte[]>> ready = new ArrayList<>(Ray.wait(pending, pending.size(), 0, true).getReady());
            if (ready.isEmpty()) {
                ready.addAll(Ray.wait(waitFor, 1, WAIT_MILLIS, true).getReady());
            }
            boolean failed = false;
            for (ObjectRef<byte[]> r : ready) {
                int drained = drains.indexOf(r);
                if (drained >= 0) {
                    boolean alive = deliverEvents(drained, r, progress);
                    if (!alive && goneSince[drained] == 0) {
                        goneSince[drained] = System.currentTimeMillis();
                    }
                    drains.set(drained, outcomes[drained] == null && alive
                            ? actors.get(drained).task(RayWorker::drainEvents).remote() : null);
                    continue;
                }
                int rank = refs.indexOf(r);
                if (outcomes[rank] == null) {
                    outcomes[rank] = outcomeOf(rank, r);
                    done++;
                    failed |= outcomes[rank].failed();
                }
            }
            for (int i = 0; i < refs.size(); i++) {
                if (outcomes[i] == null && goneSince[i] > 0
                        && System.currentTimeMillis() - goneSince[i] > GONE_GRACE_MILLIS) {
                    outcomes[i] = WorkerOutcome.failure(WorkerOutcome.WORKER_DIED, "the worker process of rank " + i
                            + " is gone (its actor no longer answers, and its run reported nothing)", "");
                    done++;
                    failed = true;
                }
            }
            if (failed) {
                throw rootCause(refs, outcomes);
            }
            askToGrowIfThereIsRoom();
        }
        return outcomes;
    }

    private void askToGrowIfThereIsRoom() {
        if (roomToGrow == null || growRequested || System.currentTimeMillis() - lastGrowCheck < GROW_CHECK_MILLIS) {
            return;
        }
        lastGrowCheck = System.currentTimeMillis();
        try {
            if (roomToGrow.getAsBoolean()) {
                actors.get(0).task(RayWorker::requestGrow).remote();
                growRequested = true;
            }
        } catch (RayException e) {
            // the node table out of reach for a moment: asked again at the next check
            org.slf4j.LoggerFactory.getLogger(LaunchRun.class).debug("could not check for room to grow", e);
        }
    }

    /**
     * After a failure: the warnings the ranks' outstanding drains bring back within a short
     * wait (they often explain the failure); progress no longer matters.
     */
    private void showLastWarnings(List<ObjectRef<byte[]>> drains) {
        List<ObjectRef<byte[]>> outstanding = drains.stream().filter(java.util.Objects::nonNull).toList();
        if (outstanding.isEmpty()) {
            return;
        }
        WaitResult<byte[]> w = Ray.wait(outstanding, outstanding.size(), (int) RayWorker.DRAIN_WAIT_MILLIS + 500,
                true);
        for (ObjectRef<byte[]> ready : w.getReady()) {
            deliverEvents(drains.indexOf(ready), ready, e -> { });
        }
    }

    private WorkerOutcome outcomeOf(int rank, ObjectRef<byte[]> ref) {
        try {
            return (WorkerOutcome) JavaBytes.read(Ray.get(ref));
        } catch (RayException e) {
            return WorkerOutcome.failure(WorkerOutcome.WORKER_DIED, "the worker process of rank " + rank
                    + " died or was killed (" + Reservations.firstLine(e.getMessage()) + ")", String.valueOf(e));
        }
    }

    /** Delivers a finished drain's events; false when the rank's actor is gone (its run() result says why). */
    private boolean deliverEvents(int rank, ObjectRef<byte[]> drain, Consumer<ProgressEvent> progress) {
        try {
            byte[] bytes = Ray.get(drain, 10_000);
            if (bytes == null || bytes.length == 0) {
                return true;
            }
            DrainedEvents drained = (DrainedEvents) JavaBytes.read(bytes);
            WorkerLogRelay.show(rank, drained.logs());
            drained.progress().forEach(progress);
            return true;
        } catch (RayException e) {
            org.slf4j.LoggerFactory.getLogger(LaunchRun.class).debug("could not drain events of rank {}", rank, e);
            return !(e instanceof RayActorException); // a slow transfer is no reason to stop draining
        }
    }

    /**
     * One failure usually brings down its peers too (their collectives lose a partner). Give
     * the others a moment to report, then blame the rank whose error is first-hand: user code
     * or a dead process rather than a broken collective.
     */
    private RuntimeException rootCause(List<ObjectRef<byte[]>> refs, WorkerOutcome[] outcomes) {
        long deadline = System.currentTimeMillis() + FAILURE_GRACE_MILLIS;
        for (int i = 0; i < refs.size(); i++) {
            long left = deadline - System.currentTimeMillis();
            if (outcomes[i] == null && left > 0) {
                WaitResult<byte[]> w = Ray.wait(List.of(refs.get(i)), 1, (int) left, true);
                if (!w.getReady().isEmpty()) {
                    outcomes[i] = outcomeOf(i, refs.get(i));
                }
            }
        }
        int best = -1;
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] != null && outcomes[i].failed()
                    && (best < 0 || secondHand(outcomes[best]) && !secondHand(outcomes[i]))) {
                best = i;
            }
        }
        WorkerOutcome o = outcomes[best];
        String seen = o.errorType() + (o.errorMessage() == null ? "" : ": " + o.errorMessage());
        int silent = secondHand(o) ? firstSilent(outcomes) : -1;
        if (silent >= 0) {
            // only broken collectives came back: the rank that never answered hung or was stopped
            String message = "Rank " + silent + " of " + spec.numWorkers() + " (" + group.describeNode(silent)
                    + ") stopped answering; rank " + best + " failed: " + seen;
            return new RayWorkerException(silent, group.nodeIdOf(silent), o.errorType(), o.errorMessage(), message,
                    o.errorStack());
        }
        String message = "Rank " + best + " of " + spec.numWorkers() + " (" + group.describeNode(best) + ") failed: "
                + seen;
        return new RayWorkerException(best, group.nodeIdOf(best), o.errorType(), o.errorMessage(), message,
                o.errorStack());
    }

    private static int firstSilent(WorkerOutcome[] outcomes) {
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == null) {
                return i;
            }
        }
        return -1;
    }

    private static boolean secondHand(WorkerOutcome o) {
        return o.errorType().endsWith("CollectiveException");
    }
}
