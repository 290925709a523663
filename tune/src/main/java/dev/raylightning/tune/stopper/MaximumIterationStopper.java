package dev.raylightning.tune.stopper;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.tune.TrialResult;

import java.util.HashMap;

/** Stops each trial after it has reported {@code maxIterations} results (Ray's {@code MaximumIterationStopper}). */
final class MaximumIterationStopper implements Stopper {

    private static final long serialVersionUID = 1L;

    private final long maxIterations;
    // Counts the results this stopper saw rather than reading training_iteration, as Ray does.
    private final HashMap<String, Long> seen = new HashMap<>();

    MaximumIterationStopper(long maxIterations) {
        checkArgument(maxIterations >= 1, "maximum iterations must be >= 1, got " + maxIterations);
        this.maxIterations = maxIterations;
    }

    @Override
    public synchronized boolean stopTrial(String trialId, TrialResult result) {
        return seen.merge(trialId, 1L, Long::sum) >= maxIterations;
    }

    @Override
    public String toString() {
        return "MaximumIterationStopper(stop each trial after " + maxIterations + " results)";
    }
}
