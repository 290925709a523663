package dev.raylightning.tune.schedulers;

import dev.raylightning.tune.TrialResult;

import java.util.ArrayList;
import java.util.List;

/** Reads the keys a scheduler needs from a result, failing with a message that helps fix the report. */
final class ResultKeys {

    private ResultKeys() {
    }

    /** The value of {@code key}; throws naming the key, its role and the keys the result has. */
    static double require(TrialResult result, String key, String role) {
        return result.get(key).orElseThrow(() -> new IllegalArgumentException(
                role + " '" + key + "' is not in the result of trial " + result.trialId()
                        + "; the result has " + present(result)));
    }

    /** The keys a result has: its metrics, then the automatic fields. */
    static List<String> present(TrialResult result) {
        List<String> keys = new ArrayList<>(result.metrics().keySet());
        keys.addAll(List.of(TrialResult.TRAINING_ITERATION, TrialResult.TIME_TOTAL_S,
                TrialResult.TIME_THIS_ITER_S, TrialResult.TIMESTAMP));
        return keys;
    }
}
