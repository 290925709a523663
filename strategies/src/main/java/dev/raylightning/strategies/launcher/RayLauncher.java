package dev.raylightning.strategies.launcher;

import dev.raylightning.core.RunRequest;
import dev.raylightning.core.RunResult;
import dev.raylightning.core.callbacks.ProgressEvent;
import dev.raylightning.core.strategy.Launcher;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.shipping.ShippedPayload;
import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.PlacementGroups;
import io.ray.api.Ray;
import io.ray.api.WaitResult;
import io.ray.api.exception.RayException;
import io.ray.api.options.PlacementGroupCreationOptions;
import io.ray.api.placementgroup.PlacementGroup;
import io.ray.api.placementgroup.PlacementStrategy;
import io.ray.api.runtimecontext.NodeInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Runs a trainer call on Ray actors: checks the cluster can ever fit the request, reserves a
 * placement group, starts one {@link RayWorker} per rank, wires their process group through the
 * driver, streams rank zero's progress, and returns rank zero's result. Actors and the placement
 * group are released on success, on failure and on interruption.
 */
public final class RayLauncher implements Launcher {

    private static final Logger LOG = LoggerFactory.getLogger(RayLauncher.class);
    /** How often the driver looks at its thread's interrupt flag while workers run. */
    private static final int WAIT_MILLIS = 500;
    private static final long ACTOR_START_MILLIS = 120_000;
    private static final long FAILURE_GRACE_MILLIS = 3_000;

    /** Prefix of the names of placement groups and worker actors this launcher creates. */
    public static final String NAME_PREFIX = "ray-lightning-";

    private final RayDdpStrategy strategy;

    public RayLauncher(RayDdpStrategy strategy) {
        this.strategy = strategy;
    }

    @Override
    public RunResult launch(RunRequest request, Consumer<ProgressEvent> progress) {
        RayRuntime runtime = RayRuntime.get();
        java.util.Optional<PlacementScope.Reservation> reserved = PlacementScope.current();
        if (reserved.isPresent()) {
            checkReservationFits(reserved.get());
        } else {
            checkClusterCanFit(runtime);
        }
        byte[] payload = ShippedPayload.of(request).toBytes();
        Job job = new Job(reserved.orElse(null));
        try {
            job.reserve();
            job.startActors();
            List<RankInfo> ranks = job.rendezvousRanks();
            List<String> endpoints = job.listen(runtime.isLocal());
            return job.run(payload, endpoints, ranks, progress);
        } finally {
            job.release();
        }
    }

    /** Fails at once, naming the shortfall, when the whole cluster is too small. */
    private void checkClusterCanFit(RayRuntime runtime) {
        int n = strategy.numWorkers();
        double cpus = n * strategy.effectiveCpusPerWorker();
        double have = runtime.totalCpus();
        if (cpus > have) {
            throw new IllegalStateException(String.format(
                    "%s needs %d workers x %.0f CPU = %.0f CPUs, but the Ray cluster at %s has %.0f CPUs in total "
                            + "(short by %.0f). Use fewer workers or CPUs per worker, or a bigger cluster.",
                    strategy, n, strategy.effectiveCpusPerWorker(), cpus, runtime.address(), have, cpus - have));
        }
        double gpus = n * strategy.effectiveGpusPerWorker();
        double haveGpus = runtime.totalGpus();
        if (gpus > haveGpus) {
            throw new IllegalStateException(String.format(
                    "%s needs %.0f GPUs, but the Ray cluster at %s has %.0f (short by %.0f).",
                    strategy, gpus, runtime.address(), haveGpus, gpus - haveGpus));
        }
    }

    /** Fails at once when the bundles reserved for this process cannot hold the workers. */
    private void checkReservationFits(PlacementScope.Reservation r) {
        if (strategy.numWorkers() > r.bundleCount()) {
            throw new IllegalStateException(String.format(
                    "%s needs %d workers, but this process holds %d reserved worker bundles (%s); "
                            + "ask for as many workers in the trial's resources as the strategy uses.",
                    strategy, strategy.numWorkers(), r.bundleCount(), r.bundle()));
        }
        for (Map.Entry<String, Double> need : strategy.bundle().entrySet()) {
            double have = r.bundle().getOrDefault(need.getKey(), 0.0);
            if (need.getValue() > have + 1e-9) {
                throw new IllegalStateException(String.format(
                        "%s needs %s per worker, but each reserved worker bundle holds %s (short of %s); "
                                + "ask for matching per-worker resources in the trial's resources.",
                        strategy, strategy.bundle(), r.bundle(), need.getKey()));
            }
        }
    }

    /** One launch: its placement group (own or borrowed) and actors. */
    private final class Job {
        private final String name = NAME_PREFIX + UUID.randomUUID().toString().substring(0, 8);
        private final PlacementScope.Reservation borrowed;
        private PlacementGroup group;
        private int firstBundle;
        private final List<ActorHandle<RayWorker>> actors = new ArrayList<>();
        /** The Ray node of each actor, in the order of {@link #actors}. */
        private List<String> nodeIds;

        Job(PlacementScope.Reservation borrowed) {
            this.borrowed = borrowed;
        }

        void reserve() {
            if (borrowed != null) {
                group = borrowed.group();
                firstBundle = borrowed.firstBundle();
                return;
            }
            List<Map<String, Double>> bundles = new ArrayList<>();
            for (int i = 0; i < strategy.numWorkers(); i++) {
                bundles.add(strategy.bundle());
            }
            group = PlacementGroups.createPlacementGroup(new PlacementGroupCreationOptions.Builder()
                    .setName(name)
                    .setBundles(bundles)
                    .setStrategy(strategy.placement() == dev.raylightning.strategies.PlacementStrategy.SPREAD
                            ? PlacementStrategy.SPREAD : PlacementStrategy.PACK)
                    .build());
            int seconds = (int) Math.max(1, strategy.placementTimeout().toSeconds());
            if (!group.wait(seconds)) {
                throw new IllegalStateException("Could not reserve " + strategy.numWorkers() + " x " + strategy.bundle()
                        + " on the Ray cluster within " + seconds + " s: other jobs hold the resources, or no node"
                        + " fits one worker's bundle (placement " + strategy.placement() + ").");
            }
        }

        void startActors() {
            List<String> jvm = List.of(
                    "-Dai.djl.pytorch.num_threads=" + strategy.torchThreadsPerWorker(),
                    "-Dai.djl.pytorch.num_interop_threads=1",
                    "-Dai.djl.offline=true");
            for (int i = 0; i < strategy.numWorkers(); i++) {
                actors.add(Ray.actor(RayWorker::new)
                        .setName(name + "-rank-" + i)
                        .setPlacementGroup(group, firstBundle + i)
                        .setResources(strategy.bundle())
                        .setMaxConcurrency(2)
                        .setJvmOptions(jvm)
                        .remote());
            }
        }

        List<RankInfo> rendezvousRanks() {
            List<ObjectRef<String>> refs = new ArrayList<>();
            for (ActorHandle<RayWorker> a : actors) {
                refs.add(a.task(RayWorker::nodeId).remote());
            }
            nodeIds = getAll(refs, ACTOR_START_MILLIS, "start");
            return RankMapping.fromNodeIds(nodeIds);
        }

        /** Each worker opens its endpoint on its node's address (the nodes {@link #rendezvousRanks} found). */
        List<String> listen(boolean local) {
            Map<String, String> nodeAddress = new HashMap<>();
            for (NodeInfo n : Ray.getRuntimeContext().getAllNodeInfo()) {
                nodeAddress.put(n.nodeId.toString(), n.nodeAddress);
            }
            List<ObjectRef<String>> refs = new ArrayList<>();
            for (int i = 0; i < actors.size(); i++) {
                String host = local ? "127.0.0.1" : nodeAddress.getOrDefault(nodeIds.get(i), "127.0.0.1");
                refs.add(actors.get(i).task(RayWorker::listen, host).remote());
            }
            return getAll(refs, 30_000, "open its collective endpoint");
        }

        RunResult run(byte[] payload, List<String> endpoints, List<RankInfo> ranks, Consumer<ProgressEvent> progress) {
            String csv = String.join(",", endpoints);
            long timeout = strategy.collectiveTimeout().toMillis();
            // one id per launch, so a stray connection from an earlier run is refused
            long groupId = UUID.randomUUID().getMostSignificantBits() | 1L;
            List<ObjectRef<byte[]>> refs = new ArrayList<>();
            for (int i = 0; i < actors.size(); i++) {
                String control = RankInfoCodec.encode(ranks.get(i)) + "|" + timeout + "|" + groupId;
                refs.add(actors.get(i).task(RayWorker::run, payload, csv, control).remote());
            }
            WorkerOutcome[] outcomes = new WorkerOutcome[refs.size()];
            int done = 0;
            // one drain call stays outstanding: it returns when rank zero has something to send
            ObjectRef<byte[]> drain = actors.get(0).task(RayWorker::drainEvents).remote();
            while (done < refs.size()) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new IllegalStateException("interrupted while " + strategy.numWorkers()
                            + " Ray workers were training; workers and their placement group are being released");
                }
                List<ObjectRef<byte[]>> waitFor = new ArrayList<>();
                for (int i = 0; i < refs.size(); i++) {
                    if (outcomes[i] == null) {
                        waitFor.add(refs.get(i));
                    }
                }
                if (drain != null) {
                    waitFor.add(drain);
                }
                WaitResult<byte[]> w = Ray.wait(waitFor, 1, WAIT_MILLIS, true);
                boolean failed = false;
                for (ObjectRef<byte[]> ready : w.getReady()) {
                    if (ready.equals(drain)) {
                        deliverEvents(drain, progress);
                        drain = outcomes[0] == null ? actors.get(0).task(RayWorker::drainEvents).remote() : null;
                        continue;
                    }
                    int rank = refs.indexOf(ready);
                    outcomes[rank] = outcomeOf(rank, ready);
                    done++;
                    failed |= outcomes[rank].failed();
                }
                if (failed) {
                    throw rootCause(refs, outcomes);
                }
            }
            // rank zero's run is over: finish the outstanding drain, then take what is left, in order
            if (drain != null) {
                deliverEvents(drain, progress);
            }
            deliverEvents(actors.get(0).task(RayWorker::drainEvents).remote(), progress);
            WorkerOutcome zero = outcomes[0];
            restoreBestCheckpoint(zero.bestCheckpoint());
            RunResult result = zero.result();
            if (result.fn() == dev.raylightning.core.TrainerFn.PREDICTING && outcomes.length > 1) {
                List<List<dev.raylightning.core.Prediction>> all = new ArrayList<>();
                for (WorkerOutcome o : outcomes) {
                    all.add(o.result().predictions());
                }
                result = new RunResult(result.fn(), result.weights(), result.currentEpoch(), result.globalStep(),
                        result.callbackMetrics(), result.loggedMetrics(), result.progressBarMetrics(),
                        result.callbackStates(), result.evalResults(), PredictionMerge.merge(all), result.status());
            }
            return result;
        }

        private WorkerOutcome outcomeOf(int rank, ObjectRef<byte[]> ref) {
            try {
                return decode(Ray.get(ref));
            } catch (RayException e) {
                return WorkerOutcome.failure("WorkerDied", "the worker process of rank " + rank
                        + " died or was killed (" + firstLine(e.getMessage()) + ")", String.valueOf(e));
            }
        }

        private void deliverEvents(ObjectRef<byte[]> drain, Consumer<ProgressEvent> progress) {
            try {
                byte[] bytes = Ray.get(drain, 10_000);
                if (bytes == null || bytes.length == 0) {
                    return;
                }
                for (ProgressEvent e : decodeEvents(bytes)) {
                    progress.accept(e);
                }
            } catch (RayException e) {
                // rank zero is gone; its run() result reports why
                LOG.debug("could not drain progress of rank 0", e);
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
            return failure(best, outcomes[best]);
        }

        private static boolean secondHand(WorkerOutcome o) {
            return o.errorType().endsWith("CollectiveException");
        }

        private RuntimeException failure(int rank, WorkerOutcome o) {
            String message = "Rank " + rank + " of " + strategy.numWorkers() + " failed: " + o.errorType()
                    + (o.errorMessage() == null ? "" : ": " + o.errorMessage());
            return new RayWorkerException(rank, o.errorType(), o.errorMessage(), message, o.errorStack());
        }

        private <T> List<T> getAll(List<ObjectRef<T>> refs, long timeoutMillis, String what) {
            List<T> out = new ArrayList<>();
            for (int i = 0; i < refs.size(); i++) {
                try {
                    out.add(Ray.get(refs.get(i), timeoutMillis));
                } catch (RayException e) {
                    throw new IllegalStateException("Ray worker " + i + " failed to " + what + ": "
                            + firstLine(e.getMessage()), e);
                }
            }
            return out;
        }

        void release() {
            for (ActorHandle<RayWorker> a : actors) {
                try {
                    a.kill(true);
                } catch (RuntimeException e) {
                    LOG.warn("could not kill Ray worker {}", a.getId(), e);
                }
            }
            if (group != null && borrowed == null) {
                try {
                    PlacementGroups.removePlacementGroup(group.getId());
                } catch (RuntimeException e) {
                    LOG.warn("could not remove placement group {}", name, e);
                }
            }
        }
    }

    private static void restoreBestCheckpoint(BestCheckpoint best) {
        if (best == null) {
            return;
        }
        Path p = Path.of(best.path());
        if (Files.isRegularFile(p)) {
            return;
        }
        // the worker ran on another node: put the best checkpoint where the driver expects it
        dev.raylightning.core.checkpoint.CheckpointIO.writeBytes(best.bytes(), p);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static WorkerOutcome decode(byte[] bytes) {
        return (WorkerOutcome) JavaBytes.read(bytes);
    }

    @SuppressWarnings("unchecked")
    private static List<ProgressEvent> decodeEvents(byte[] bytes) {
        return (List<ProgressEvent>) JavaBytes.read(bytes);
    }
}
