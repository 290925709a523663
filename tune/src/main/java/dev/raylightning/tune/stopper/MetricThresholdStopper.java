package dev.raylightning.tune.stopper;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;

/** Stops a trial once its metric reaches a threshold: {@code >=} for MAX, {@code <=} for MIN. */
final class MetricThresholdStopper implements Stopper {

    private static final long serialVersionUID = 1L;

    private final String metric;
    private final double threshold;
    private final Mode mode;

    MetricThresholdStopper(String metric, double threshold, Mode mode) {
        checkArgument(metric != null && !metric.isBlank(), "metric must be a result key, got '" + metric + "'");
        checkArgument(!Double.isNaN(threshold), "threshold for '" + metric + "' must be a number, got NaN");
        checkArgument(mode != null, "mode for '" + metric + "' must be MAX or MIN, got null");
        this.metric = metric;
        this.threshold = threshold;
        this.mode = mode;
    }

    @Override
    public boolean stopTrial(String trialId, TrialResult result) {
        double value = result.require(metric, toString());
        // NaN compares false either way: a diverged trial has not reached any threshold.
        return mode == Mode.MAX ? value >= threshold : value <= threshold;
    }

    @Override
    public String toString() {
        return "MetricThresholdStopper(stop a trial when " + metric + (mode == Mode.MAX ? " >= " : " <= ")
                + StopperText.format(threshold) + ")";
    }
}
