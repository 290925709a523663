package dev.raylightning.tune;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One report of a trial, with Ray Tune's automatic fields.
 *
 * @param trialId the trial that reported
 * @param trainingIteration 1 for the first report, then one more per report
 * @param timeTotalSeconds seconds since the trial's training function started
 * @param timeThisIterSeconds seconds since the previous report
 * @param timestamp wall-clock seconds since the epoch when the report was made
 * @param metrics the reported metrics
 * @param checkpoint the checkpoint saved with this report, relative to the trial directory, or null
 */
public record TrialResult(String trialId, long trainingIteration, double timeTotalSeconds, double timeThisIterSeconds,
        long timestamp, Map<String, Double> metrics, String checkpoint) implements Serializable {

    public static final String TRAINING_ITERATION = "training_iteration";
    public static final String TIME_TOTAL_S = "time_total_s";
    public static final String TIME_THIS_ITER_S = "time_this_iter_s";
    public static final String TIMESTAMP = "timestamp";

    public TrialResult {
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** A metric or one of the automatic fields by its Ray Tune name. */
    public Optional<Double> get(String key) {
        return switch (key) {
            case TRAINING_ITERATION -> Optional.of((double) trainingIteration);
            case TIME_TOTAL_S -> Optional.of(timeTotalSeconds);
            case TIME_THIS_ITER_S -> Optional.of(timeThisIterSeconds);
            case TIMESTAMP -> Optional.of((double) timestamp);
            default -> Optional.ofNullable(metrics.get(key));
        };
    }

    /**
     * The value of {@code key} for {@code who} (a scheduler or stopper); throws naming the key,
     * who needs it and the keys this result has, so the report can be fixed.
     */
    public double require(String key, String who) {
        return get(key).orElseThrow(() -> new IllegalArgumentException(
                who + " needs '" + key + "' but the result of trial " + trialId
                        + " does not have it; the result has " + keys()));
    }

    /** The keys {@link #get} answers: the metrics, then the automatic fields. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>(metrics.keySet());
        keys.addAll(List.of(TRAINING_ITERATION, TIME_TOTAL_S, TIME_THIS_ITER_S, TIMESTAMP));
        return keys;
    }

    /** Metrics then automatic fields, as one flat row (the order of progress.csv). */
    public Map<String, Object> asRow() {
        Map<String, Object> row = new LinkedHashMap<>(metrics);
        row.put(TIME_THIS_ITER_S, timeThisIterSeconds);
        row.put(TRAINING_ITERATION, trainingIteration);
        row.put(TIMESTAMP, timestamp);
        row.put(TIME_TOTAL_S, timeTotalSeconds);
        row.put("trial_id", trialId);
        if (checkpoint != null) {
            row.put("checkpoint", checkpoint);
        }
        return row;
    }
}
