package dev.raylightning.strategies.launcher;

import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.strategies.cluster.NodeLiveness;
import dev.raylightning.strategies.cluster.Reservations;
import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.PlacementGroups;
import io.ray.api.Ray;
import io.ray.api.exception.RayException;
import io.ray.api.placementgroup.PlacementGroup;
import io.ray.api.runtimecontext.NodeInfo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Started worker actors of one layout and the placement group they run in (reserved here, or
 * bundles someone else reserved): what a launch runs its ranks on, and what {@link WorkerPool}
 * keeps between launches. {@link #release()} kills the actors and removes a group reserved here.
 */
final class WorkerGroup {

    /** How long new actors may take to answer, unless a caller says otherwise. */
    static final long ACTOR_START_MILLIS = 120_000;

    private final String name = RayLauncher.NAME_PREFIX + UUID.randomUUID().toString().substring(0, 8);
    private final WorkerGroupSpec spec;
    private PlacementGroup group;
    private boolean ownGroup;
    private int firstBundle;
    private final List<ActorHandle<RayWorker>> actors = new ArrayList<>();
    /** The Ray node of each actor, in the order of {@link #actors}. */
    private List<String> nodeIds = List.of();

    private WorkerGroup(WorkerGroupSpec spec) {
        this.spec = spec;
    }

    /**
     * Reserves (or borrows) the bundles and starts one actor per worker, which must answer within
     * {@code startMillis}; released again if that fails.
     */
    static WorkerGroup start(WorkerGroupSpec spec, long startMillis) {
        WorkerGroup g = new WorkerGroup(spec);
        try {
            g.reserve();
            g.startActors();
            g.locate(startMillis, "start");
            return g;
        } catch (RuntimeException | Error e) {
            g.release();
            throw e;
        }
    }

    /** The layout these workers were started for. */
    WorkerGroupSpec spec() {
        return spec;
    }

    List<ActorHandle<RayWorker>> actors() {
        return actors;
    }

    /** Whether the bundles were reserved by this group (false inside someone else's reservation). */
    boolean ownsPlacementGroup() {
        return ownGroup;
    }

    /** Global, local and node ranks from the nodes the actors run on. */
    List<RankInfo> ranks() {
        return RankMapping.fromNodeIds(nodeIds);
    }

    /**
     * Whether every actor still answers within {@code timeoutMillis} (a kept group's worker may
     * have died while idle); refreshes the nodes they run on.
     */
    boolean answers(long timeoutMillis) {
        try {
            locate(timeoutMillis, "answer");
            return true;
        } catch (IllegalStateException e) {
            org.slf4j.LoggerFactory.getLogger(WorkerGroup.class).info("Not reusing idle workers {}: {}", name,
                    e.getMessage());
            return false;
        }
    }

    /** The id of the Ray node rank {@code rank} runs on, or null when not known. */
    String nodeIdOf(int rank) {
        return rank < nodeIds.size() ? nodeIds.get(rank) : null;
    }

    /** Where rank {@code rank} runs, for messages: its node rank, the node's address and id. */
    String describeNode(int rank) {
        String id = nodeIdOf(rank);
        if (id == null) {
            return "node unknown";
        }
        String address = "address unknown";
        try {
            address = NodeLiveness.node(id).map(n -> n.nodeAddress).orElse(address);
        } catch (RuntimeException e) {
            // a message detail only: the node table may be out of reach while a node goes away
        }
        return "node " + ranks().get(rank).nodeRank() + ", " + address + ", id " + NodeLiveness.shortId(id);
    }

    /** Each worker opens its endpoint on its node's address; returns them in rank order. */
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

    /** The actors' process ids, in rank order (for tests and diagnostics). */
    List<Long> pids() {
        List<ObjectRef<Long>> refs = new ArrayList<>();
        for (ActorHandle<RayWorker> a : actors) {
            refs.add(a.task(RayWorker::pid).remote());
        }
        return getAll(refs, 30_000, "report its process id");
    }

    /** Kills the actors and removes a placement group reserved here; never throws. */
    void release() {
        for (ActorHandle<RayWorker> a : actors) {
            Reservations.kill(a, "Ray worker");
        }
        actors.clear();
        if (ownGroup) {
            Reservations.release(group, name);
            ownGroup = false;
        }
    }

    @Override
    public String toString() {
        return name + " (" + spec.numWorkers() + " x " + spec.bundle() + ")";
    }

    private void reserve() {
        PlacementScope.Reservation borrowed = spec.reservation();
        if (borrowed != null) {
            group = PlacementGroups.getPlacementGroup(borrowed.groupName());
            if (group == null) {
                throw new IllegalStateException("the reserved placement group " + borrowed.groupName() + " is gone");
            }
            firstBundle = borrowed.firstBundle();
            return;
        }
        int bundles = spec.numWorkers() / spec.workersPerBundle();
        group = Reservations.reserve(name, Collections.nCopies(bundles, spec.placementBundle()),
                spec.placement().toRay(), spec.placementTimeout(),
                () -> "Could not reserve " + bundles + " x " + spec.placementBundle() + " on the Ray cluster within "
                        + spec.placementTimeout().toSeconds() + " s: other jobs hold the resources, or no node"
                        + " fits one bundle (placement " + spec.placement() + ")");
        ownGroup = true;
    }

    private void startActors() {
        for (int i = 0; i < spec.numWorkers(); i++) {
            actors.add(Ray.actor(RayWorker::new)
                    .setName(name + "-rank-" + i)
                    .setPlacementGroup(group, firstBundle + i / spec.workersPerBundle())
                    .setResources(spec.bundle())
                    .setMaxConcurrency(3) // run, drainEvents and requestGrow at once
                    .setJvmOptions(jvmOptions())
                    .remote());
        }
    }

    /**
     * The workers' JVM options. Without an init hook a new worker starts DJL's engine as soon as
     * it is created, while the driver connects the group; with one the engine waits for the run,
     * so that the hook can still configure it.
     */
    private List<String> jvmOptions() {
        List<String> options = new ArrayList<>(Reservations.actorJvmOptions(spec.torchThreads()));
        if (spec.initHook() == null) {
            options.add("-D" + RayWorker.PRELOAD_ENGINE_PROPERTY + "=true");
        }
        return options;
    }

    private void locate(long timeoutMillis, String what) {
        List<ObjectRef<String>> refs = new ArrayList<>();
        for (ActorHandle<RayWorker> a : actors) {
            refs.add(a.task(RayWorker::nodeId).remote());
        }
        nodeIds = getAll(refs, timeoutMillis, what);
    }

    private static <T> List<T> getAll(List<ObjectRef<T>> refs, long timeoutMillis, String what) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            try {
                out.add(Ray.get(refs.get(i), timeoutMillis));
            } catch (RayException e) {
                throw new IllegalStateException("Ray worker " + i + " failed to " + what + ": "
                        + Reservations.firstLine(e.getMessage()), e);
            }
        }
        return out;
    }
}
