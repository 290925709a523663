package dev.raylightning.core;

import dev.raylightning.core.checkpoint.ModelState;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What one rank hands back after a run: weights (global rank zero only), loop counters, metrics,
 * callback states, evaluation results, predictions, and why a fit stopped early, if it did. The
 * driver's trainer restores rank zero's, so that after a distributed {@code fit} the driver's
 * module is the trained module.
 */
public record RunResult(TrainerFn fn, ModelState weights, int currentEpoch, long globalStep,
        Map<String, Double> callbackMetrics, Map<String, Double> loggedMetrics, Map<String, Double> progressBarMetrics,
        Map<String, Map<String, Object>> callbackStates, List<Map<String, Double>> evalResults,
        List<Prediction> predictions, TrainerStatus status, String stopReason) implements Serializable {

    /** The same result with {@code merged} as its predictions. */
    public RunResult withPredictions(List<Prediction> merged) {
        return new RunResult(fn, weights, currentEpoch, globalStep, callbackMetrics, loggedMetrics, progressBarMetrics,
                callbackStates, evalResults, merged, status, stopReason);
    }
}
