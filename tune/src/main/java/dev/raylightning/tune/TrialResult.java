package dev.raylightning.tune;

import java.io.Serializable;
import java.util.LinkedHashMap;
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
