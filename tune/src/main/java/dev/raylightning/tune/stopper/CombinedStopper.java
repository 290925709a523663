package dev.raylightning.tune.stopper;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.tune.TrialResult;

import java.util.List;
import java.util.stream.Collectors;

/** Stops a trial, or everything, when any of its stoppers says so (Ray's {@code CombinedStopper}). */
final class CombinedStopper implements Stopper {

    private static final long serialVersionUID = 1L;

    private final List<Stopper> stoppers;

    CombinedStopper(List<Stopper> stoppers) {
        checkArgument(!stoppers.contains(null), "stoppers must not be null");
        this.stoppers = List.copyOf(stoppers);
    }

    @Override
    public boolean stopTrial(String trialId, TrialResult result) {
        // Ask every stopper, not just until the first yes: stateful ones must see every result.
        boolean stop = false;
        for (Stopper s : stoppers) {
            stop |= s.stopTrial(trialId, result);
        }
        return stop;
    }

    @Override
    public boolean stopAll() {
        boolean stop = false;
        for (Stopper s : stoppers) {
            stop |= s.stopAll();
        }
        return stop;
    }

    @Override
    public String toString() {
        return stoppers.stream().map(String::valueOf).collect(Collectors.joining(", ", "AnyOf(", ")"));
    }
}
