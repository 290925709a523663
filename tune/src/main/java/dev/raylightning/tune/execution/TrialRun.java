package dev.raylightning.tune.execution;

import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The controller's record of one trial: its history, its execution while it runs, and its status,
 * which moves only along the legal transitions of Ray Tune's trial lifecycle:
 * PENDING to RUNNING (started), TERMINATED (the experiment stopped first) or ERROR (it could not
 * start: no placement in time, an unreadable checkpoint); RUNNING to
 * TERMINATED (finished or stopped early), ERROR (failed for good) or PENDING (to run again: a
 * retry, a PBT exploit, an interrupted experiment). TERMINATED and ERROR are final.
 */
final class TrialRun {

    private static final Map<TrialStatus, Set<TrialStatus>> LEGAL = Map.of(
            TrialStatus.PENDING, EnumSet.of(TrialStatus.RUNNING, TrialStatus.TERMINATED, TrialStatus.ERROR),
            TrialStatus.RUNNING, EnumSet.of(TrialStatus.TERMINATED, TrialStatus.ERROR, TrialStatus.PENDING),
            TrialStatus.TERMINATED, EnumSet.noneOf(TrialStatus.class),
            TrialStatus.ERROR, EnumSet.noneOf(TrialStatus.class));

    final String id;
    /** Changes only when population-based training hands the trial another trial's explored config. */
    TrialConfig config;
    private TrialStatus status = TrialStatus.PENDING;
    final List<TrialResult> results = new ArrayList<>();
    String error;
    int numFailures;
    /** The latest checkpoint, relative to the trial directory, with the iteration and time it was taken at. */
    String latestCheckpoint;
    long checkpointIteration;
    double checkpointTime;
    /** The trial's actor, placement group and outstanding calls while it runs; null otherwise. */
    TrialExecution execution;

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

    TrialStatus status() {
        return status;
    }

    boolean is(TrialStatus s) {
        return status == s;
    }

    /** Moves to {@code next}; an illegal transition is a bug of the controller and fails loudly. */
    void moveTo(TrialStatus next) {
        if (!LEGAL.get(status).contains(next)) {
            throw new IllegalStateException("trial " + id + " cannot go from " + status + " to " + next);
        }
        status = next;
    }

    /** Ends the trial as ERROR with {@code summary}. */
    void fail(String summary) {
        moveTo(TrialStatus.ERROR);
        error = summary;
    }

    /** The latest result, or null before the first. */
    TrialResult lastResult() {
        return results.isEmpty() ? null : results.get(results.size() - 1);
    }

    TrialSnapshot snapshot() {
        return new TrialSnapshot(id, config, status, results, error, numFailures, latestCheckpoint);
    }
}
