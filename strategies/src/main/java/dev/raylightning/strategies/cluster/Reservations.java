package dev.raylightning.strategies.cluster;

import io.ray.api.ActorHandle;
import io.ray.api.PlacementGroups;
import io.ray.api.options.PlacementGroupCreationOptions;
import io.ray.api.placementgroup.PlacementGroup;
import io.ray.api.placementgroup.PlacementStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Placement groups and actors as the strategies and Tune use them: reserve a group and wait for it
 * with a deadline, start actors with torch sized to their CPUs, and release both quietly (a
 * release that fails is logged, never thrown over the error that caused it).
 */
public final class Reservations {

    private static final Logger LOG = LoggerFactory.getLogger(Reservations.class);

    private Reservations() {}

    /**
     * Creates the placement group {@code name} and waits up to {@code timeout} for it; removes it
     * again and fails with {@code whyNot}'s message when the cluster does not reserve it in time.
     */
    public static PlacementGroup reserve(String name, List<Map<String, Double>> bundles, boolean spread,
            Duration timeout, Supplier<String> whyNot) {
        return reserve(name, bundles, spread ? PlacementStrategy.SPREAD : PlacementStrategy.PACK, timeout, whyNot);
    }

    /** {@link #reserve(String, List, boolean, Duration, Supplier)} with any of Ray's placement strategies. */
    public static PlacementGroup reserve(String name, List<Map<String, Double>> bundles, PlacementStrategy strategy,
            Duration timeout, Supplier<String> whyNot) {
        PlacementGroup group = PlacementGroups.createPlacementGroup(new PlacementGroupCreationOptions.Builder()
                .setName(name)
                .setBundles(bundles)
                .setStrategy(strategy)
                .build());
        int seconds = (int) Math.max(1, timeout.toSeconds());
        if (!group.wait(seconds)) {
            release(group, name);
            throw new IllegalStateException(whyNot.get() + " (waited " + seconds + " s)");
        }
        return group;
    }

    /** Removes a placement group, logging rather than throwing when that fails. */
    public static void release(PlacementGroup group, String name) {
        if (group == null) {
            return;
        }
        try {
            PlacementGroups.removePlacementGroup(group.getId());
        } catch (RuntimeException e) {
            LOG.warn("could not remove placement group {}", name, e);
        }
    }

    /** Kills an actor (its child processes go with it), logging rather than throwing when that fails. */
    public static void kill(ActorHandle<?> actor, String what) {
        if (actor == null) {
            return;
        }
        try {
            actor.kill(true);
        } catch (RuntimeException e) {
            LOG.warn("could not kill {} ({})", what, actor.getId(), e);
        }
    }

    /** Torch intra-op threads for an actor's CPU share: the whole CPUs, at least one. */
    public static int torchThreads(double cpus) {
        return Math.max(1, (int) Math.floor(cpus));
    }

    /** JVM options of a training actor: torch's thread pools sized as given (read once at engine start), DJL offline. */
    public static List<String> actorJvmOptions(int torchThreads) {
        return List.of(
                "-Dai.djl.pytorch.num_threads=" + torchThreads,
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dai.djl.offline=true");
    }

    /** The first line of a Ray error message (the rest is a remote stack trace). */
    public static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
