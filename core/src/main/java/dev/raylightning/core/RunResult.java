package dev.raylightning.core;

import dev.raylightning.core.checkpoint.ModelState;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What global rank zero hands back after a run: weights, loop counters, metrics, callback
 * states, evaluation results and predictions. The driver's trainer restores it so that, after a
 * distributed {@code fit}, the driver's module is the trained module.
 */
public record RunResult(TrainerFn fn, ModelState weights, int currentEpoch, long globalStep,
        Map<String, Double> callbackMetrics, Map<String, Double> loggedMetrics, Map<String, Double> progressBarMetrics,
        Map<String, Map<String, Object>> callbackStates, List<Map<String, Double>> evalResults,
        List<Prediction> predictions, TrainerStatus status) implements Serializable {}
