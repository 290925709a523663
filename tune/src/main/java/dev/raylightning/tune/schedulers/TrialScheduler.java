package dev.raylightning.tune.schedulers;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;

/**
 * Decides, result by result, whether a running trial goes on (Ray Tune's {@code TrialScheduler}).
 *
 * <p>The experiment controller calls {@link #setDefaults} once before any trial starts, then for
 * each trial {@link #onTrialAdd}, {@link #onTrialResult} for every report, and one of
 * {@link #onTrialComplete}, {@link #onTrialError} or {@link #onTrialRemove} when it ends. The
 * lifecycle hooks do nothing by default, so a stateless scheduler only decides.
 */
public interface TrialScheduler {

    /** What the controller should do with a trial after one of its results. */
    enum Decision {
        /** Let the trial keep training. */
        CONTINUE,
        /** Stop the trial now; it ends as terminated, not as failed. */
        STOP,
        /**
         * Restart the trial from another trial's checkpoint with a new config (population-based
         * training); {@link #exploitFor} says which and how.
         */
        EXPLOIT
    }

    /**
     * For {@link Decision#EXPLOIT}: the trial whose latest checkpoint the exploited trial continues
     * from, and the exploited trial's new config.
     */
    record Exploit(String sourceTrialId, dev.raylightning.tune.TrialConfig newConfig) {}

    /** The exploit decided by the last {@link #onTrialResult} of {@code trialId} that returned EXPLOIT. */
    default java.util.Optional<Exploit> exploitFor(String trialId) {
        return java.util.Optional.empty();
    }

    /**
     * Gives the experiment's metric and mode, used where the scheduler was built without its
     * own. Called before any trial starts.
     *
     * @param metric the experiment's metric, or null when it has none
     * @param mode the experiment's mode, or null when it has none
     * @throws IllegalArgumentException when the scheduler needs a metric or mode and has none
     */
    default void setDefaults(String metric, Mode mode) {
    }

    /** A new trial was added to the experiment. */
    default void onTrialAdd(String trialId) {
    }

    /** A new trial was added, with its config (what the controller calls; schedulers that need configs override it). */
    default void onTrialAdd(String trialId, dev.raylightning.tune.TrialConfig config) {
        onTrialAdd(trialId);
    }

    /**
     * One report of a running trial.
     *
     * @return whether the trial goes on
     * @throws IllegalArgumentException when the result lacks a key the scheduler needs
     */
    Decision onTrialResult(String trialId, TrialResult result);

    /**
     * The trial ended normally (its function returned, or a scheduler or stopper stopped it).
     *
     * @param lastOrNull its last result, or null when it reported nothing
     */
    default void onTrialComplete(String trialId, TrialResult lastOrNull) {
    }

    /** The trial failed. */
    default void onTrialError(String trialId) {
    }

    /** The trial was stopped by something other than this scheduler (a stopper, the user). */
    default void onTrialRemove(String trialId) {
    }

    /** One status line for the progress table, e.g. {@code AsyncHyperBand: num_stopped=3}. */
    String describe();
}
