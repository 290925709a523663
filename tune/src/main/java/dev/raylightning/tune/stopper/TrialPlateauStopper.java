package dev.raylightning.tune.stopper;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.tune.TrialResult;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;

/**
 * Stops a trial whose metric has plateaued: after at least {@code gracePeriod} results, when the
 * (population) standard deviation of its last {@code numResults} values is at most {@code std}
 * (Ray's {@code TrialPlateauStopper}, without its optional threshold).
 */
final class TrialPlateauStopper implements Stopper {

    private static final long serialVersionUID = 1L;

    private final String metric;
    private final double std;
    private final int numResults;
    private final int gracePeriod;
    private final HashMap<String, ArrayDeque<Double>> windows = new HashMap<>();
    private final HashMap<String, Integer> counts = new HashMap<>();

    TrialPlateauStopper(String metric, double std, int numResults, int gracePeriod) {
        checkArgument(metric != null && !metric.isBlank(), "metric must be a result key, got '" + metric + "'");
        checkArgument(std >= 0, "std must be >= 0, got " + std);
        checkArgument(numResults >= 2, "numResults must be >= 2 to measure a spread, got " + numResults);
        checkArgument(gracePeriod >= 0, "gracePeriod must be >= 0, got " + gracePeriod);
        this.metric = metric;
        this.std = std;
        this.numResults = numResults;
        this.gracePeriod = gracePeriod;
    }

    @Override
    public synchronized boolean stopTrial(String trialId, TrialResult result) {
        double value = result.require(metric, toString());
        ArrayDeque<Double> window = windows.computeIfAbsent(trialId, id -> new ArrayDeque<>());
        window.addLast(value);
        if (window.size() > numResults) {
            window.removeFirst();
        }
        int count = counts.merge(trialId, 1, Integer::sum);
        // NaN values make the spread NaN, which never counts as a plateau.
        return count >= gracePeriod && window.size() == numResults && spread(window) <= std;
    }

    private static double spread(ArrayDeque<Double> values) {
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double sq = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        return Math.sqrt(sq / values.size());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "TrialPlateauStopper(stop a trial when the std of its last %d %s values is <= %s, after %d results)",
                numResults, metric, StopperText.format(std), gracePeriod);
    }
}
