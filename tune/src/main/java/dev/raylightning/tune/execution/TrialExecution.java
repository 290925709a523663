package dev.raylightning.tune.execution;

import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.placementgroup.PlacementGroup;

import java.util.ArrayList;
import java.util.List;

/**
 * One run of a trial on Ray: its placement group, its actor, and the two calls the controller
 * keeps outstanding (the training function's {@code run}, and {@code nextReports}).
 */
final class TrialExecution {

    final String name;
    final PlacementGroup group;
    final ActorHandle<TrialActor> actor;
    ObjectRef<byte[]> runRef;
    ObjectRef<byte[]> reportsRef;
    boolean runDone;
    boolean reportsDone;
    /** How the training function ended, once {@link #runDone}. */
    TrialOutcome outcome;

    TrialExecution(String name, PlacementGroup group, ActorHandle<TrialActor> actor) {
        this.name = name;
        this.group = group;
        this.actor = actor;
    }

    /** The calls still outstanding. */
    List<ObjectRef<byte[]>> pending() {
        List<ObjectRef<byte[]>> out = new ArrayList<>(2);
        if (!runDone) {
            out.add(runRef);
        }
        if (!reportsDone) {
            out.add(reportsRef);
        }
        return out;
    }

    /** Whether the function has ended and every report was taken. */
    boolean done() {
        return runDone && reportsDone;
    }
}
