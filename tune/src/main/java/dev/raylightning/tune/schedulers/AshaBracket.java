package dev.raylightning.tune.schedulers;

import dev.raylightning.tune.schedulers.TrialScheduler.Decision;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.DoubleUnaryOperator;

/**
 * One bracket of asynchronous successive halving: its rungs (milestones of the time attribute)
 * and the scores trials recorded at each. Scores are "larger is better"; the scheduler converts.
 */
final class AshaBracket {

    private final double reductionFactor;
    private final double[] milestones;
    /** Per rung, trial id to the score it recorded there (kept after the trial ends: it is history). */
    private final List<Map<String, Double>> recorded = new ArrayList<>();

    /**
     * Rungs at {@code grace * rf^k} for {@code k >= offset}, strictly below {@code maxT}: a trial
     * reaching {@code maxT} is stopped anyway, so a rung there would never decide anything.
     */
    AshaBracket(double gracePeriod, double maxT, double reductionFactor, int offset) {
        this.reductionFactor = reductionFactor;
        List<Double> ms = new ArrayList<>();
        // Repeated multiplication keeps whole-number milestones exact (no log rounding).
        double m = gracePeriod;
        for (int k = 0; m < maxT; k++, m *= reductionFactor) {
            if (k >= offset) {
                ms.add(m);
            }
        }
        this.milestones = ms.stream().mapToDouble(Double::doubleValue).toArray();
        for (int i = 0; i < milestones.length; i++) {
            recorded.add(new LinkedHashMap<>());
        }
    }

    int numRungs() {
        return milestones.length;
    }

    double[] milestones() {
        return milestones.clone();
    }

    /**
     * Judges a trial at every rung it has reached but not yet recorded at: STOP when its score is
     * below the cutoff of any of them (or is -inf and the rung has a record). It is recorded at each such rung either way, so a trial
     * whose time attribute jumps past several rungs at once counts at all of them.
     */
    Decision onResult(String trialId, double time, double score) {
        Decision decision = Decision.CONTINUE;
        for (int i = 0; i < milestones.length && milestones[i] <= time; i++) {
            Map<String, Double> rung = recorded.get(i);
            if (rung.containsKey(trialId)) {
                continue;
            }
            OptionalDouble cutoff = cutoff(i);
            // -inf (a NaN metric, or an infinitely bad one) stops at any rung with a record even
            // when the cutoff is -inf too: a diverged trial is not worth more time.
            if (cutoff.isPresent() && (score < cutoff.getAsDouble() || score == Double.NEGATIVE_INFINITY)) {
                decision = Decision.STOP;
            }
            rung.put(trialId, score);
        }
        return decision;
    }

    /**
     * The score a trial must reach at rung {@code i} to go on: the {@code (1 - 1/rf)} percentile of
     * what others recorded there, or empty when nothing is recorded yet (early trials pass).
     */
    OptionalDouble cutoff(int i) {
        Map<String, Double> rung = recorded.get(i);
        if (rung.isEmpty()) {
            return OptionalDouble.empty();
        }
        double[] scores = rung.values().stream().mapToDouble(Double::doubleValue).toArray();
        return OptionalDouble.of(percentile(scores, 1.0 - 1.0 / reductionFactor));
    }

    /**
     * The {@code q}-quantile (0..1) with linear interpolation between closest ranks, as numpy's
     * default {@code percentile}. Infinite scores (NaN metrics become -inf) are absorbing: between
     * -inf and anything the result is -inf, between anything and +inf it is +inf.
     */
    static double percentile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        double frac = pos - lo;
        double a = sorted[lo];
        double b = sorted[hi];
        if (frac == 0 || a == b) {
            return a;
        }
        if (a == Double.NEGATIVE_INFINITY) {
            return a;
        }
        if (b == Double.POSITIVE_INFINITY) {
            return b;
        }
        return a + frac * (b - a);
    }

    /** Each rung's milestone and current cutoff, shown as a metric value through {@code toMetric}. */
    String describe(DoubleUnaryOperator toMetric) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < milestones.length; i++) {
            OptionalDouble c = cutoff(i);
            sb.append(i == 0 ? "" : " | ")
                    .append(String.format(Locale.ROOT, "at %.3f: %s (%d recorded)", milestones[i],
                            c.isPresent() ? String.format(Locale.ROOT, "%.4g", toMetric.applyAsDouble(c.getAsDouble())) : "none",
                            recorded.get(i).size()));
        }
        return milestones.length == 0 ? "no rungs" : sb.toString();
    }
}
