package dev.raylightning.core.metrics;

import dev.raylightning.core.collective.ReduceOp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects what a module logs during one stage's epoch and turns it into Lightning's three
 * views: callback metrics (what monitors read), logged metrics (what loggers got) and progress
 * bar metrics. A value logged per step and per epoch appears as {@code name_step} and
 * {@code name_epoch}; callback metrics also keep the plain {@code name}.
 */
public final class MetricStore {

    /** Reduces values element-wise across ranks, for metrics logged with {@code syncDist}. */
    @FunctionalInterface
    public interface Sync {
        /** One process: nothing to reduce. */
        Sync LOCAL = (values, op) -> values;

        double[] reduce(double[] values, ReduceOp op);
    }

    private final Sync sync;

    private final Map<String, Double> callbackMetrics = new LinkedHashMap<>();
    private final Map<String, Double> loggedMetrics = new LinkedHashMap<>();
    private final Map<String, Double> progressBarMetrics = new LinkedHashMap<>();
    private final Map<String, Double> pendingLoggerRow = new LinkedHashMap<>();
    private final Map<String, Accumulator> epoch = new LinkedHashMap<>();
    private boolean training;

    /** A store whose synced metrics are reduced with {@code sync}. */
    public MetricStore(Sync sync) {
        this.sync = sync;
    }

    /** Starts a stage epoch; per-epoch accumulators restart. */
    public void beginEpoch(boolean trainingStage) {
        this.training = trainingStage;
        epoch.clear();
    }

    /**
     * Records one logged value. Step values with sync on are reduced across ranks right away,
     * so every rank calls this for the same names in the same order.
     */
    public void log(String name, double value, LogOptions opts, int batchSize) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("metric name must not be blank");
        }
        boolean step = opts.stepEnabled(training);
        boolean ep = opts.epochEnabled(training);
        if (!step && !ep) {
            throw new IllegalArgumentException("metric '" + name + "' logs neither on step nor on epoch");
        }
        if (step) {
            double v = opts.syncDist() ? sync.reduce(new double[] {value}, ReduceOp.AVG)[0] : value;
            String key = ep ? name + "_step" : name;
            callbackMetrics.put(key, v);
            if (!ep) {
                callbackMetrics.put(name, v);
            }
            if (opts.logger()) {
                loggedMetrics.put(key, v);
                pendingLoggerRow.put(key, v);
            }
            if (opts.progBar()) {
                progressBarMetrics.put(key, v);
            }
        }
        if (ep) {
            epoch.computeIfAbsent(name, k -> new Accumulator(opts, step)).add(value, batchSize);
        }
    }

    /**
     * Ends the stage epoch: aggregates per-epoch values (reducing across ranks when asked) and
     * returns the row meant for loggers.
     */
    public Map<String, Double> endEpoch() {
        Map<String, Double> values = new LinkedHashMap<>();
        for (Map.Entry<String, Accumulator> e : epoch.entrySet()) {
            double v = e.getValue().value();
            if (e.getValue().opts.syncDist()) {
                v = sync.reduce(new double[] {v}, toReduceOp(e.getValue().opts.reduce()))[0];
            }
            values.put(e.getKey(), v);
        }
        Map<String, Double> row = new LinkedHashMap<>();
        for (Map.Entry<String, Accumulator> e : epoch.entrySet()) {
            String name = e.getKey();
            Accumulator acc = e.getValue();
            double v = values.get(name);
            String key = acc.alsoStep ? name + "_epoch" : name;
            callbackMetrics.put(key, v);
            callbackMetrics.put(name, v);
            if (acc.opts.logger()) {
                loggedMetrics.put(key, v);
                row.put(key, v);
            }
            if (acc.opts.progBar()) {
                progressBarMetrics.put(key, v);
            }
        }
        epoch.clear();
        return row;
    }

    private static ReduceOp toReduceOp(LogOptions.Reduce r) {
        return switch (r) {
            case MEAN -> ReduceOp.AVG;
            case SUM -> ReduceOp.SUM;
            case MAX -> ReduceOp.MAX;
            case MIN -> ReduceOp.MIN;
        };
    }

    /** Takes the step values logged since the last call, for a logger row. */
    public Map<String, Double> drainStepRow() {
        Map<String, Double> row = new LinkedHashMap<>(pendingLoggerRow);
        pendingLoggerRow.clear();
        return row;
    }

    /** Sets the open epoch aside (training's, while validation runs inside it). */
    public Snapshot suspendEpoch() {
        Snapshot s = new Snapshot(new LinkedHashMap<>(epoch), training);
        epoch.clear();
        return s;
    }

    /** Reopens an epoch set aside by {@link #suspendEpoch()}. */
    public void resumeEpoch(Snapshot s) {
        epoch.clear();
        epoch.putAll(s.accumulators);
        training = s.training;
    }

    /** An epoch's accumulators set aside. */
    public static final class Snapshot {
        private final Map<String, Accumulator> accumulators;
        private final boolean training;

        private Snapshot(Map<String, Accumulator> accumulators, boolean training) {
            this.accumulators = accumulators;
            this.training = training;
        }
    }

    /**
     * Everything this store holds (the three views, the pending logger row, the open epoch's
     * accumulators), copied: a fit restarted from it logs and aggregates as if never stopped.
     */
    public State saveState() {
        Map<String, Accumulator> accumulators = new LinkedHashMap<>();
        epoch.forEach((k, v) -> accumulators.put(k, v.copy()));
        return new State(new LinkedHashMap<>(callbackMetrics), new LinkedHashMap<>(loggedMetrics),
                new LinkedHashMap<>(progressBarMetrics), new LinkedHashMap<>(pendingLoggerRow), accumulators, training);
    }

    /** Replaces everything with a state from {@link #saveState()}. */
    public void loadState(State s) {
        restore(s.callbackMetrics, s.loggedMetrics, s.progressBarMetrics);
        pendingLoggerRow.putAll(s.pendingLoggerRow);
        s.accumulators.forEach((k, v) -> epoch.put(k, v.copy()));
        training = s.training;
    }

    /** A store's whole state, from {@link #saveState()}. */
    public static final class State implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final Map<String, Double> callbackMetrics;
        private final Map<String, Double> loggedMetrics;
        private final Map<String, Double> progressBarMetrics;
        private final Map<String, Double> pendingLoggerRow;
        private final Map<String, Accumulator> accumulators;
        private final boolean training;

        private State(Map<String, Double> callbackMetrics, Map<String, Double> loggedMetrics,
                Map<String, Double> progressBarMetrics, Map<String, Double> pendingLoggerRow,
                Map<String, Accumulator> accumulators, boolean training) {
            this.callbackMetrics = callbackMetrics;
            this.loggedMetrics = loggedMetrics;
            this.progressBarMetrics = progressBarMetrics;
            this.pendingLoggerRow = pendingLoggerRow;
            this.accumulators = accumulators;
            this.training = training;
        }
    }

    /** Forgets everything (a new fit, validate, test or predict call). */
    public void reset() {
        callbackMetrics.clear();
        loggedMetrics.clear();
        progressBarMetrics.clear();
        pendingLoggerRow.clear();
        epoch.clear();
    }

    /** Replaces all views, e.g. with rank zero's after a distributed run. */
    public void restore(Map<String, Double> callback, Map<String, Double> logged, Map<String, Double> progressBar) {
        reset();
        callbackMetrics.putAll(callback);
        loggedMetrics.putAll(logged);
        progressBarMetrics.putAll(progressBar);
    }

    /** Puts a value straight into callback metrics (e.g. the epoch counter). */
    public void putCallbackMetric(String name, double value) {
        callbackMetrics.put(name, value);
    }

    public Map<String, Double> callbackMetrics() {
        return Collections.unmodifiableMap(callbackMetrics);
    }

    public Map<String, Double> loggedMetrics() {
        return Collections.unmodifiableMap(loggedMetrics);
    }

    public Map<String, Double> progressBarMetrics() {
        return Collections.unmodifiableMap(progressBarMetrics);
    }

    private static final class Accumulator implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final LogOptions opts;
        final boolean alsoStep;
        double sum;
        double weight;
        double extreme = Double.NaN;

        Accumulator(LogOptions opts, boolean alsoStep) {
            this.opts = opts;
            this.alsoStep = alsoStep;
        }

        Accumulator copy() {
            Accumulator c = new Accumulator(opts, alsoStep);
            c.sum = sum;
            c.weight = weight;
            c.extreme = extreme;
            return c;
        }

        void add(double v, int batchSize) {
            switch (opts.reduce()) {
                case MEAN -> {
                    sum += v * batchSize;
                    weight += batchSize;
                }
                case SUM -> sum += v;
                case MAX -> extreme = Double.isNaN(extreme) ? v : Math.max(extreme, v);
                case MIN -> extreme = Double.isNaN(extreme) ? v : Math.min(extreme, v);
                default -> throw new IllegalStateException();
            }
        }

        double value() {
            return switch (opts.reduce()) {
                case MEAN -> weight == 0 ? Double.NaN : sum / weight;
                case SUM -> sum;
                case MAX, MIN -> extreme;
            };
        }
    }
}
