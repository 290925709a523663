package dev.raylightning.tune;

import java.util.List;
import java.util.Optional;

/**
 * What is known about one trial at a moment: for the progress table, the experiment state file
 * and {@link dev.raylightning.tune.results.ExperimentAnalysis}.
 *
 * @param trialId unique within the experiment, e.g. {@code 3f2a1_00004}
 * @param config the trial's resolved hyper-parameters
 * @param status its state
 * @param results every report so far, oldest first
 * @param errorMessage the last error's type and message, or null
 * @param numFailures how many times it failed (including retried failures)
 * @param latestCheckpoint the latest checkpoint file, relative to the trial directory, or null
 */
public record TrialSnapshot(String trialId, TrialConfig config, TrialStatus status, List<TrialResult> results,
        String errorMessage, int numFailures, String latestCheckpoint) {

    public TrialSnapshot {
        results = List.copyOf(results);
    }

    /** The latest report, if any. */
    public Optional<TrialResult> lastResult() {
        return results.isEmpty() ? Optional.empty() : Optional.of(results.get(results.size() - 1));
    }

    /** The directory name of the trial inside the experiment directory. */
    public String dirName() {
        return dirName(trialId);
    }

    /** The directory name of trial {@code trialId} inside the experiment directory. */
    public static String dirName(String trialId) {
        return "trial_" + trialId;
    }
}
