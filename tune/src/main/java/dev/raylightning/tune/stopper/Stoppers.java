package dev.raylightning.tune.stopper;

import dev.raylightning.tune.Mode;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.function.LongSupplier;

/** Ready-made {@link Stopper}s, after Ray Tune's. Each one's {@code toString()} says what it does. */
public final class Stoppers {

    private Stoppers() {
    }

    /**
     * Ray's stop dict: a trial stops once, for any key, its result value is {@code >=} the
     * criterion. Keys are metrics or automatic fields ({@code training_iteration},
     * {@code time_total_s}, ...); a result lacking a key is an error naming it, as in Ray.
     */
    public static Stopper of(Map<String, ? extends Number> criteria) {
        return new StopDictStopper(criteria);
    }

    /** Stops each trial after it has reported {@code n} results (Ray's {@code MaximumIterationStopper}). */
    public static Stopper maximumIterations(long n) {
        return new MaximumIterationStopper(n);
    }

    /**
     * Stops a trial once {@code metric} reaches {@code threshold}: {@code >=} for {@link Mode#MAX},
     * {@code <=} for {@link Mode#MIN}. A NaN value never reaches it.
     */
    public static Stopper metricThreshold(String metric, double threshold, Mode mode) {
        return new MetricThresholdStopper(metric, threshold, mode);
    }

    /**
     * Stops the whole experiment once {@code budget} has passed since the stopper was first
     * called (Ray's {@code TimeoutStopper}).
     */
    public static Stopper timeBudget(Duration budget) {
        return new TimeoutStopper(budget, System::nanoTime);
    }

    /** {@link #timeBudget(Duration)} on a given clock of nanoseconds (for tests). */
    public static Stopper timeBudget(Duration budget, LongSupplier nanoClock) {
        return new TimeoutStopper(budget, nanoClock);
    }

    /**
     * Stops a trial whose {@code metric} has plateaued, with Ray's defaults: std 0.01 over the
     * last 4 results, after at least 4 results.
     */
    public static Stopper trialPlateau(String metric) {
        return trialPlateau(metric, 0.01, 4, 4);
    }

    /**
     * Stops a trial once it has reported at least {@code gracePeriod} results and the population
     * standard deviation of its last {@code numResults} {@code metric} values is {@code <= std}
     * (Ray's {@code TrialPlateauStopper}).
     */
    public static Stopper trialPlateau(String metric, double std, int numResults, int gracePeriod) {
        return new TrialPlateauStopper(metric, std, numResults, gracePeriod);
    }

    /**
     * All of {@code stoppers} at once: a trial stops if any says so, and so does the experiment.
     * Every stopper sees every result, even once one has said stop.
     */
    public static Stopper any(Stopper... stoppers) {
        return new CombinedStopper(Arrays.asList(stoppers));
    }
}
