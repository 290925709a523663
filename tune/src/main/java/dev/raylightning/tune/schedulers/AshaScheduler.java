package dev.raylightning.tune.schedulers;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Asynchronous successive halving (Ray Tune's {@code ASHAScheduler} / {@code AsyncHyperBandScheduler}).
 *
 * <p>Each bracket has rungs at {@code gracePeriod * reductionFactor^k} (bracket {@code s} starts at
 * {@code k = s}) strictly below {@code maxT}. When a trial's time attribute first reaches a rung,
 * its metric is recorded there and the trial is stopped unless it is in the top
 * {@code 1/reductionFactor} of the values recorded at that rung before it (the cutoff is the
 * {@code 1 - 1/reductionFactor} percentile, linearly interpolated; a trial at an empty rung passes).
 * Every trial is stopped once its time attribute reaches {@code maxT}. A NaN metric counts as the
 * worst possible value: it is recorded as such, and stopped at any rung where something is recorded.
 *
 * <p>With several brackets, a new trial joins one at random with Ray's weights (proportional to
 * {@code e^(rungs in bracket)}), drawn from a {@link Random} seeded by {@link Builder#seed}, so the
 * same seed and the same order of {@link #onTrialAdd} calls give the same assignment.
 *
 * <p>Thread-safe: the controller may report from several threads.
 */
public final class AshaScheduler implements TrialScheduler {

    private final String timeAttr;
    private final double maxT;
    private final List<AshaBracket> brackets;
    private final double[] bracketWeights;
    private final Random random;
    private final Map<String, Integer> bracketOfTrial = new HashMap<>();
    private String metric;
    private Mode mode;
    private int numStopped;

    private AshaScheduler(Builder b) {
        this.timeAttr = b.timeAttr;
        this.metric = b.metric;
        this.mode = b.mode;
        this.maxT = b.maxT;
        this.random = new Random(b.seed);
        this.brackets = new ArrayList<>();
        for (int s = 0; s < b.brackets; s++) {
            brackets.add(new AshaBracket(b.gracePeriod, b.maxT, b.reductionFactor, s));
        }
        // Ray's softmax over rung counts: brackets that halve more often get more trials.
        int most = brackets.stream().mapToInt(AshaBracket::numRungs).max().orElse(0);
        this.bracketWeights = brackets.stream().mapToDouble(br -> Math.exp(br.numRungs() - most)).toArray();
    }

    /** A builder with Ray's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public synchronized void setDefaults(String metric, Mode mode) {
        if (this.metric == null) {
            this.metric = metric;
        }
        if (this.mode == null) {
            this.mode = mode;
        }
        checkArgument(this.metric != null && this.mode != null, missingSettings()
                + ": set it on AshaScheduler.builder() or give the experiment a metric and mode");
    }

    @Override
    public synchronized void onTrialAdd(String trialId) {
        // Idempotent: a trial added twice keeps its bracket (and the draw sequence stays stable).
        bracketOfTrial.computeIfAbsent(trialId, id -> drawBracket());
    }

    @Override
    public synchronized Decision onTrialResult(String trialId, TrialResult result) {
        requireReady();
        AshaBracket bracket = bracketFor(trialId);
        double time = result.require(timeAttr, "AshaScheduler (time attribute)");
        double value = result.require(metric, "AshaScheduler (metric)");
        Decision decision = time >= maxT ? Decision.STOP : bracket.onResult(trialId, time, score(value));
        if (decision == Decision.STOP) {
            numStopped++;
        }
        return decision;
    }

    @Override
    public synchronized void onTrialComplete(String trialId, TrialResult lastOrNull) {
        Integer idx = bracketOfTrial.remove(trialId);
        // Record the final result at any rung it reached but was not judged at (as Ray does);
        // a result lacking the keys was already rejected by onTrialResult, so just skip it here.
        if (idx != null && lastOrNull != null && metric != null && mode != null) {
            var time = lastOrNull.get(timeAttr);
            var value = lastOrNull.get(metric);
            if (time.isPresent() && value.isPresent()) {
                brackets.get(idx).onResult(trialId, time.get(), score(value.get()));
            }
        }
    }

    @Override
    public synchronized void onTrialError(String trialId) {
        bracketOfTrial.remove(trialId);
    }

    @Override
    public synchronized void onTrialRemove(String trialId) {
        bracketOfTrial.remove(trialId);
    }

    @Override
    public synchronized String describe() {
        return "AsyncHyperBand: num_stopped=" + numStopped;
    }

    /** One line per bracket with each rung's milestone and current cutoff (in metric units), for logs. */
    public synchronized String describeBrackets() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < brackets.size(); i++) {
            sb.append(i == 0 ? "" : "\n").append("Bracket ").append(i).append(": ")
                    .append(brackets.get(i).describe(this::toMetric));
        }
        return sb.toString();
    }

    /** How many results this scheduler answered with STOP (those at {@code maxT} included). */
    public synchronized int numStopped() {
        return numStopped;
    }

    /** The bracket (0-based) a running trial was assigned to. */
    public synchronized int bracketOf(String trialId) {
        Integer idx = bracketOfTrial.get(trialId);
        if (idx == null) {
            throw new IllegalStateException(unknownTrial(trialId));
        }
        return idx;
    }

    /** The rung milestones of bracket {@code i}, ascending. */
    public double[] milestones(int bracket) {
        return brackets.get(bracket).milestones();
    }

    /** The metric this scheduler judges by, or null until it is known. */
    public synchronized String metric() {
        return metric;
    }

    /** The mode of {@link #metric()}, or null until it is known. */
    public synchronized Mode mode() {
        return mode;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "AshaScheduler(time_attr=%s, metric=%s, mode=%s, max_t=%s, brackets=%d)",
                timeAttr, metric(), mode(), maxT, brackets.size());
    }

    private AshaBracket bracketFor(String trialId) {
        return brackets.get(bracketOf(trialId));
    }

    private int drawBracket() {
        if (brackets.size() == 1) {
            return 0;
        }
        double sum = 0;
        for (double w : bracketWeights) {
            sum += w;
        }
        double x = random.nextDouble() * sum;
        for (int i = 0; i < bracketWeights.length - 1; i++) {
            x -= bracketWeights[i];
            if (x < 0) {
                return i;
            }
        }
        return bracketWeights.length - 1;
    }

    /** The metric as a score where larger is better; NaN is the worst score there is. */
    private double score(double value) {
        return Double.isNaN(value) ? Double.NEGATIVE_INFINITY : mode.score(value);
    }

    private double toMetric(double score) {
        return mode == null ? score : mode.score(score); // score() is its own inverse
    }

    private void requireReady() {
        if (metric == null || mode == null) {
            throw new IllegalStateException(missingSettings() + ": call setDefaults before reporting results");
        }
    }

    private String missingSettings() {
        if (metric == null && mode == null) {
            return "AshaScheduler has no metric and no mode";
        }
        return metric == null ? "AshaScheduler has no metric" : "AshaScheduler has no mode";
    }

    private static String unknownTrial(String trialId) {
        return "AshaScheduler does not know trial " + trialId + " (call onTrialAdd first)";
    }

    /** Settings of an {@link AshaScheduler}; defaults are Ray's. */
    public static final class Builder {
        private String timeAttr = TrialResult.TRAINING_ITERATION;
        private String metric;
        private Mode mode;
        private double maxT = 100;
        private double gracePeriod = 1;
        private double reductionFactor = 4;
        private int brackets = 1;
        private long seed = 0;

        private Builder() {
        }

        /** The result key that measures progress; must not decrease (default {@code training_iteration}). */
        public Builder timeAttr(String timeAttr) {
            this.timeAttr = timeAttr;
            return this;
        }

        /** The metric to judge by (default: the experiment's, from {@link #setDefaults}). */
        public Builder metric(String metric) {
            this.metric = metric;
            return this;
        }

        /** Whether larger or smaller metric values are better (default: the experiment's). */
        public Builder mode(Mode mode) {
            this.mode = mode;
            return this;
        }

        /** Time units after which every trial is stopped (default 100). */
        public Builder maxT(double maxT) {
            this.maxT = maxT;
            return this;
        }

        /** Time units a trial runs before it can first be stopped; the first rung (default 1). */
        public Builder gracePeriod(double gracePeriod) {
            this.gracePeriod = gracePeriod;
            return this;
        }

        /** Ratio between rungs, and 1/fraction of trials kept at each (default 4). */
        public Builder reductionFactor(double reductionFactor) {
            this.reductionFactor = reductionFactor;
            return this;
        }

        /** Number of brackets; bracket {@code s} skips the first {@code s} rungs (default 1). */
        public Builder brackets(int brackets) {
            this.brackets = brackets;
            return this;
        }

        /** Seed of the draw that assigns trials to brackets (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The scheduler.
         *
         * @throws IllegalArgumentException when a setting is out of range
         */
        public AshaScheduler build() {
            checkArgument(timeAttr != null && !timeAttr.isBlank(), "timeAttr must be a result key, got " + timeAttr);
            checkArgument(metric == null || !metric.isBlank(), "metric must not be blank");
            // comparisons that NaN fails, so NaN settings are refused too
            checkArgument(gracePeriod >= 1, "gracePeriod must be >= 1, got " + gracePeriod);
            checkArgument(reductionFactor > 1, "reductionFactor must be > 1, got " + reductionFactor);
            checkArgument(maxT >= gracePeriod && !Double.isInfinite(maxT),
                    "maxT must be finite and >= gracePeriod (" + gracePeriod + "), got " + maxT);
            checkArgument(brackets >= 1, "brackets must be >= 1, got " + brackets);
            return new AshaScheduler(this);
        }
    }
}
