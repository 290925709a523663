package dev.raylightning.strategies;

import dev.raylightning.strategies.launcher.RayLauncher;
import dev.raylightning.strategies.launcher.WorkerPool;
import io.ray.api.PlacementGroups;
import io.ray.api.Ray;
import io.ray.api.placementgroup.PlacementGroup;
import io.ray.api.placementgroup.PlacementGroupState;
import io.ray.api.runtimecontext.ActorInfo;
import io.ray.api.runtimecontext.ActorState;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks that launches released what they reserved. */
final class RayTestSupport {

    private RayTestSupport() {}

    /** Our placement groups that are not removed. */
    static List<String> livePlacementGroups() {
        List<String> out = new ArrayList<>();
        for (PlacementGroup g : PlacementGroups.getAllPlacementGroups()) {
            if (String.valueOf(g.getName()).startsWith(RayLauncher.NAME_PREFIX) && g.getState() != PlacementGroupState.REMOVED) {
                out.add(g.getName() + ":" + g.getState());
            }
        }
        return out;
    }

    /** Our worker actors that are still alive (or restarting). */
    static List<String> liveWorkers() {
        List<String> out = new ArrayList<>();
        for (ActorInfo a : Ray.getRuntimeContext().getAllActorInfo()) {
            if (String.valueOf(a.name).startsWith(RayLauncher.NAME_PREFIX) && a.state != ActorState.DEAD) {
                out.add(a.name + ":" + a.state);
            }
        }
        return out;
    }

    /**
     * After a launch that succeeded (its workers are kept warm) or was refused before it started
     * (earlier tests' workers may be kept): releases the idle workers, then nothing may be left.
     */
    static void assertNoLeftoversOnceIdleReleased() {
        WorkerPool.releaseIdle();
        assertNoLeftovers();
    }

    /**
     * After a failed launch: nothing is kept for reuse, and within 15 s (killed actors are
     * reported dead a moment later) no worker or placement group of ours is left.
     */
    static void assertNoLeftovers() {
        assertEquals(0, WorkerPool.idleGroups(), "no workers kept for reuse");
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline && !(livePlacementGroups().isEmpty() && liveWorkers().isEmpty())) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertEquals(List.of(), livePlacementGroups(), "placement groups released");
        assertEquals(List.of(), liveWorkers(), "worker actors released");
    }

    /** Those of {@code pids} whose process still runs. */
    static List<Long> alive(List<Long> pids) {
        return pids.stream().filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).toList();
    }

    /** Waits up to 20 s for the processes to exit, then asserts none runs. */
    static void assertProcessesExit(List<Long> pids) {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline && !alive(pids).isEmpty()) {
            sleep(200);
        }
        assertEquals(List.of(), alive(pids), "worker processes exited");
    }

    /** Sleeps; an interrupt ends the sleep and stays set. */
    static void sleep(long millis) {
        dev.raylightning.core.util.Pause.millis(millis);
    }
}
