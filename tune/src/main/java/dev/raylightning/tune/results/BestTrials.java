package dev.raylightning.tune.results;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.results.ExperimentAnalysis.Scope;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Predicate;

/** Ranking of trials and of a trial's checkpoints by a metric, shared by the analysis and the summary. */
final class BestTrials {

    private BestTrials() {
    }

    /**
     * The best trial by its score under {@code scope}. Trials that never reported the metric are
     * skipped, and so are NaN and infinite scores (Ray's {@code filter_nan_and_inf}); on ties the
     * earlier trial wins.
     */
    static Optional<TrialSnapshot> best(List<TrialSnapshot> trials, String metric, Mode mode, Scope scope) {
        TrialSnapshot best = null;
        double bestScore = Double.NaN;
        for (TrialSnapshot t : trials) {
            OptionalDouble s = score(t, metric, mode, scope);
            if (s.isEmpty() || !Double.isFinite(s.getAsDouble())) {
                continue;
            }
            if (best == null || mode.better(s.getAsDouble(), bestScore)) {
                best = t;
                bestScore = s.getAsDouble();
            }
        }
        return Optional.ofNullable(best);
    }

    /** A trial's score for the metric under a scope; empty when it never reported the metric. */
    static OptionalDouble score(TrialSnapshot t, String metric, Mode mode, Scope scope) {
        double[] values = t.results().stream()
                .map(r -> r.get(metric))
                .flatMap(Optional::stream)
                .mapToDouble(Double::doubleValue)
                .toArray();
        if (values.length == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(switch (scope) {
            case LAST -> values[values.length - 1];
            case ALL -> bestOf(values, mode);
            case AVG -> mean(values, values.length);
            case LAST_5_AVG -> mean(values, 5);
            case LAST_10_AVG -> mean(values, 10);
        });
    }

    /**
     * Among a trial's results that carry a checkpoint still accepted by {@code usable}, the one
     * that scored best on the metric (Ray's {@code get_best_checkpoint}); NaN values never win and
     * on ties the earlier checkpoint wins.
     */
    static Optional<TrialResult> bestCheckpointResult(TrialSnapshot t, String metric, Mode mode,
            Predicate<String> usable) {
        TrialResult best = null;
        double bestValue = Double.NaN;
        for (TrialResult r : t.results()) {
            if (r.checkpoint() == null || !usable.test(r.checkpoint())) {
                continue;
            }
            Optional<Double> v = r.get(metric);
            if (v.isEmpty() || v.get().isNaN()) {
                continue;
            }
            if (best == null || mode.better(v.get(), bestValue)) {
                best = r;
                bestValue = v.get();
            }
        }
        return Optional.ofNullable(best);
    }

    /** The best non-NaN value, or NaN when every value is NaN. */
    private static double bestOf(double[] values, Mode mode) {
        double best = Double.NaN;
        for (double v : values) {
            if (mode.better(v, best)) {
                best = v;
            }
        }
        return best;
    }

    /** The mean of the last {@code n} values (all of them when there are fewer). */
    private static double mean(double[] values, int n) {
        int from = Math.max(0, values.length - n);
        double sum = 0;
        for (int i = from; i < values.length; i++) {
            sum += values[i];
        }
        return sum / (values.length - from);
    }
}
