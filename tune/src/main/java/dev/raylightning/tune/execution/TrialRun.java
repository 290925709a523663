package dev.raylightning.tune.execution;

import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;
import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.placementgroup.PlacementGroup;

import java.util.ArrayList;
import java.util.List;

/** The controller's record of one trial: its history, and its actor and placement group while it runs. */
final class TrialRun {

    final String id;
    /** Changes only when population-based training hands the trial another trial's explored config. */
    TrialConfig config;
    TrialStatus status = TrialStatus.PENDING;
    final List<TrialResult> results = new ArrayList<>();
    String error;
    int numFailures;
    /** The latest checkpoint, relative to the trial directory, with the iteration and time it was taken at. */
    String latestCheckpoint;
    long checkpointIteration;
    double checkpointTime;

    // while running
    PlacementGroup group;
    ActorHandle<TrialActor> actor;
    ObjectRef<byte[]> runRef;
    ObjectRef<byte[]> reportsRef;
    boolean runDone;
    boolean reportsDone;
    TrialOutcome outcome;

    TrialRun(String id, TrialConfig config) {
        this.id = id;
        this.config = config;
    }

    /** A trial from a saved experiment: finished ones stay finished, the rest wait to run again. */
    static TrialRun restored(TrialSnapshot s) {
        TrialRun t = new TrialRun(s.trialId(), s.config());
        t.status = s.status().isFinished() ? s.status() : TrialStatus.PENDING;
        t.results.addAll(s.results());
        t.error = s.errorMessage();
        t.numFailures = s.numFailures();
        t.latestCheckpoint = s.latestCheckpoint();
        for (TrialResult r : s.results()) {
            if (r.checkpoint() != null && r.checkpoint().equals(s.latestCheckpoint())) {
                t.checkpointIteration = r.trainingIteration();
                t.checkpointTime = r.timeTotalSeconds();
            }
        }
        return t;
    }

    TrialSnapshot snapshot() {
        return new TrialSnapshot(id, config, status, results, error, numFailures, latestCheckpoint);
    }

    /** Forgets the live handles once the actor and group are released. */
    void clearLive() {
        group = null;
        actor = null;
        runRef = null;
        reportsRef = null;
        runDone = false;
        reportsDone = false;
        outcome = null;
    }
}
