package dev.raylightning.tune.stopper;

import dev.raylightning.tune.TrialResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the keys a stopper needs from a result, failing with a message that helps fix the report. */
final class ResultKeys {

    private ResultKeys() {
    }

    /** The value of {@code key}; throws naming the key, who needs it and the keys the result has. */
    static double require(TrialResult result, String key, String who) {
        return result.get(key).orElseThrow(() -> new IllegalArgumentException(
                who + " needs '" + key + "' but the result of trial " + result.trialId()
                        + " does not have it; the result has " + present(result)));
    }

    /** The keys a result has: its metrics, then the automatic fields. */
    static List<String> present(TrialResult result) {
        List<String> keys = new ArrayList<>(result.metrics().keySet());
        keys.addAll(List.of(TrialResult.TRAINING_ITERATION, TrialResult.TIME_TOTAL_S,
                TrialResult.TIME_THIS_ITER_S, TrialResult.TIMESTAMP));
        return keys;
    }

    /** A number for messages: whole values without a trailing ".0". */
    static String format(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15
                ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
