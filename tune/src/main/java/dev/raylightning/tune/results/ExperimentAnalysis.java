package dev.raylightning.tune.results;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of an experiment, as {@code Tune.run} returns it (Ray Tune's
 * {@code ExperimentAnalysis} / {@code ResultGrid}): every trial with its results, and the best
 * trial, config, result and checkpoint by a metric.
 *
 * <p>Methods without a metric and mode use the defaults given at construction (those passed to
 * {@code Tune.run}) and throw {@link IllegalStateException} when there are none. Methods that
 * take a metric and mode fall back to the defaults for a null argument.
 */
public final class ExperimentAnalysis {

    /** How a trial's reports of a metric are reduced to one score to compare trials (Ray's {@code scope}). */
    public enum Scope {
        /** The last reported value. */
        LAST,
        /** The best value ever reported (max or min by the mode). */
        ALL,
        /** The mean of all reported values. */
        AVG,
        /** The mean of the last 5 reported values. */
        LAST_5_AVG,
        /** The mean of the last 10 reported values. */
        LAST_10_AVG;

        /** Parses Ray's spelling ({@code "last"}, {@code "all"}, {@code "avg"}, {@code "last-5-avg"}, {@code "last-10-avg"}). */
        public static Scope of(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException(
                        "scope must be one of last, all, avg, last-5-avg, last-10-avg; got " + s);
            }
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Path experimentPath;
    private final List<TrialSnapshot> trials;
    private final String defaultMetric;
    private final Mode defaultMode;

    /**
     * @param experimentDir the experiment directory (trial directories are resolved inside it)
     * @param trials every trial of the experiment, in creation order
     * @param defaultMetric the metric passed to {@code Tune.run}, or null
     * @param defaultMode the mode passed to {@code Tune.run}, or null
     */
    public ExperimentAnalysis(Path experimentDir, List<TrialSnapshot> trials, String defaultMetric, Mode defaultMode) {
        this.experimentPath = experimentDir.toAbsolutePath().normalize();
        this.trials = List.copyOf(trials);
        this.defaultMetric = defaultMetric;
        this.defaultMode = defaultMode;
    }

    /** Reads an experiment back from its {@code experiment_state.json}, with the metric and mode saved there. */
    public static ExperimentAnalysis load(Path experimentDir) {
        ExperimentState state = ExperimentDirectory.open(experimentDir).loadState()
                .orElseThrow(() -> new IllegalArgumentException(
                        "no " + ExperimentDirectory.STATE_FILE + " in " + experimentDir));
        return new ExperimentAnalysis(experimentDir, state.trials(), state.metric(), state.mode());
    }

    /** Every trial, in creation order. */
    public List<TrialSnapshot> trials() {
        return trials;
    }

    /** The experiment directory (absolute). */
    public Path experimentPath() {
        return experimentPath;
    }

    /** The metric passed to {@code Tune.run}, if any. */
    public Optional<String> defaultMetric() {
        return Optional.ofNullable(defaultMetric);
    }

    /** The mode passed to {@code Tune.run}, if any. */
    public Optional<Mode> defaultMode() {
        return Optional.ofNullable(defaultMode);
    }

    /** The trial whose last reported value of the default metric is best. */
    public Optional<TrialSnapshot> bestTrial() {
        requireDefaults("bestTrial()");
        return bestTrial(defaultMetric, defaultMode, Scope.LAST);
    }

    /** The trial whose last reported value of {@code metric} is best. */
    public Optional<TrialSnapshot> bestTrial(String metric, Mode mode) {
        return bestTrial(metric, mode, Scope.LAST);
    }

    /**
     * The trial with the best score on {@code metric} under {@code scope}. Trials that never
     * reported the metric, and NaN or infinite scores, are skipped; empty when no trial is left.
     */
    public Optional<TrialSnapshot> bestTrial(String metric, Mode mode, Scope scope) {
        return BestTrials.best(trials, metric(metric), mode(mode), scope == null ? Scope.LAST : scope);
    }

    /** The config of {@link #bestTrial()}. */
    public Optional<TrialConfig> bestConfig() {
        requireDefaults("bestConfig()");
        return bestConfig(defaultMetric, defaultMode);
    }

    /** The config of {@link #bestTrial(String, Mode)}. */
    public Optional<TrialConfig> bestConfig(String metric, Mode mode) {
        return bestConfig(metric, mode, Scope.LAST);
    }

    /** The config of {@link #bestTrial(String, Mode, Scope)}. */
    public Optional<TrialConfig> bestConfig(String metric, Mode mode, Scope scope) {
        return bestTrial(metric, mode, scope).map(TrialSnapshot::config);
    }

    /** The last result of {@link #bestTrial()}. */
    public Optional<TrialResult> bestResult() {
        requireDefaults("bestResult()");
        return bestResult(defaultMetric, defaultMode);
    }

    /** The last result of {@link #bestTrial(String, Mode)}. */
    public Optional<TrialResult> bestResult(String metric, Mode mode) {
        return bestTrial(metric, mode).flatMap(TrialSnapshot::lastResult);
    }

    /** {@link #bestCheckpoint(String, Mode)} with the default metric and mode. */
    public Optional<Path> bestCheckpoint() {
        requireDefaults("bestCheckpoint()");
        return bestCheckpoint(defaultMetric, defaultMode);
    }

    /**
     * Of the best trial (by its last value of {@code metric}), the checkpoint that scored best on
     * {@code metric} among its results that carry one, as an absolute path.
     */
    public Optional<Path> bestCheckpoint(String metric, Mode mode) {
        return bestTrial(metric, mode).flatMap(t -> bestCheckpoint(t, metric, mode));
    }

    /**
     * A trial's checkpoint that scored best on {@code metric} (Ray's {@code get_best_checkpoint}):
     * only results carrying a checkpoint whose file still exists count (older checkpoints may have
     * been deleted to keep disk use bounded), results with a NaN value never win, ties go to the
     * earlier checkpoint.
     */
    public Optional<Path> bestCheckpoint(TrialSnapshot trial, String metric, Mode mode) {
        return BestTrials.bestCheckpointResult(trial, metric(metric), mode(mode),
                        c -> Files.exists(checkpointPath(trial, c)))
                .map(r -> checkpointPath(trial, r.checkpoint()));
    }

    /** A trial's directory inside the experiment directory. */
    public Path trialPath(TrialSnapshot trial) {
        return experimentPath.resolve(trial.dirName());
    }

    /**
     * One row per trial, as Ray's {@code dataframe()}: the trial's last result
     * ({@link TrialResult#asRow()}, absent when it never reported), its config as
     * {@code config/<dotted key>} entries, then {@code status}, {@code trial_id}, {@code error}
     * (the error message or null) and {@code logdir} (the trial directory).
     */
    public List<Map<String, Object>> results() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (TrialSnapshot t : trials) {
            Map<String, Object> row = new LinkedHashMap<>();
            t.lastResult().ifPresent(r -> row.putAll(r.asRow()));
            row.putAll(ConfigColumns.of(t.config()));
            row.put("status", t.status().name());
            row.put("trial_id", t.trialId());
            row.put("error", t.errorMessage());
            row.put("logdir", trialPath(t).toString());
            rows.add(Collections.unmodifiableMap(row));
        }
        return Collections.unmodifiableList(rows);
    }

    /** Every trial's results, oldest first, by trial id in creation order. */
    public Map<String, List<TrialResult>> trialResults() {
        Map<String, List<TrialResult>> out = new LinkedHashMap<>();
        trials.forEach(t -> out.put(t.trialId(), t.results()));
        return Collections.unmodifiableMap(out);
    }

    /** How many trials are in {@code status}. */
    public long count(TrialStatus status) {
        return trials.stream().filter(t -> t.status() == status).count();
    }

    /** The trials that ended in {@link TrialStatus#ERROR}. */
    public List<TrialSnapshot> errors() {
        return trials.stream().filter(t -> t.status() == TrialStatus.ERROR).toList();
    }

    private Path checkpointPath(TrialSnapshot trial, String relative) {
        return trialPath(trial).resolve(relative).normalize();
    }

    private void requireDefaults(String method) {
        if (defaultMetric == null || defaultMode == null) {
            throw new IllegalStateException(method + " needs a metric and a mode: pass them to Tune.run, "
                    + "or pass them to the method (e.g. bestTrial(metric, mode))");
        }
    }

    private String metric(String metric) {
        if (metric != null) {
            return metric;
        }
        if (defaultMetric == null) {
            throw new IllegalStateException("no metric given and no default metric: pass metric and mode "
                    + "to Tune.run or to this method");
        }
        return defaultMetric;
    }

    private Mode mode(Mode mode) {
        if (mode != null) {
            return mode;
        }
        if (defaultMode == null) {
            throw new IllegalStateException("no mode given and no default mode: pass metric and mode "
                    + "to Tune.run or to this method");
        }
        return defaultMode;
    }
}
