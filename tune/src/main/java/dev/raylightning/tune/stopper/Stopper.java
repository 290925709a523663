package dev.raylightning.tune.stopper;

import dev.raylightning.tune.TrialResult;

import java.io.Serializable;

/**
 * Decides when trials, or the whole experiment, should stop (Ray Tune's {@code Stopper}). The
 * controller calls {@link #stopTrial} for every result and {@link #stopAll} after each. Stoppers are
 * serializable so that they are saved with the experiment state and restored with it.
 * Ready-made ones are in {@link Stoppers}.
 */
public interface Stopper extends Serializable {

    /**
     * Whether the trial that produced {@code result} should stop.
     *
     * @throws IllegalArgumentException when the result lacks a key this stopper needs
     */
    boolean stopTrial(String trialId, TrialResult result);

    /** Whether the whole experiment should stop now. */
    default boolean stopAll() {
        return false;
    }
}
