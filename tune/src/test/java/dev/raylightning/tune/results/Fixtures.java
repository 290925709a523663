package dev.raylightning.tune.results;

import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Results and trials with predictable automatic fields. */
final class Fixtures {

    static final long EPOCH = 1_700_000_000L;

    private Fixtures() {
    }

    /** A report at {@code iter}: 1.5 s per iteration, one second of wall clock per iteration. */
    static TrialResult result(String trialId, long iter, Map<String, Double> metrics) {
        return result(trialId, iter, null, metrics);
    }

    static TrialResult result(String trialId, long iter, String checkpoint, Map<String, Double> metrics) {
        return new TrialResult(trialId, iter, 1.5 * iter, 1.5, EPOCH + iter, metrics, checkpoint);
    }

    /** A terminated trial that reported {@code metric} once per value. */
    static TrialSnapshot reporting(String trialId, String metric, double... values) {
        List<TrialResult> results = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            results.add(result(trialId, i + 1, Map.of(metric, values[i])));
        }
        return trial(trialId, TrialStatus.TERMINATED, TrialConfig.of(Map.of("id", trialId)), results);
    }

    /** An ordered map from alternating keys and values (Map.of has no defined order). */
    static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** A config from alternating keys and values, in that order. */
    static TrialConfig config(Object... kv) {
        return TrialConfig.of(ordered(kv));
    }

    /** Metrics from alternating names and values, in that order. */
    static Map<String, Double> metrics(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1] == null ? null : ((Number) kv[i + 1]).doubleValue());
        }
        return m;
    }

    static TrialSnapshot trial(String trialId, TrialStatus status, TrialConfig config, List<TrialResult> results) {
        return new TrialSnapshot(trialId, config, status, results, null, 0, null);
    }
}
