package dev.raylightning.tune.results;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;
import dev.raylightning.tune.results.ExperimentAnalysis.Scope;
import dev.raylightning.tune.results.TextTable.Align;

import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Ray Tune's console status as text: the {@code == Status ==} block the controller prints every
 * few seconds and at the end, and the final summary. Pure functions of their arguments, so the
 * same inputs always give the same text.
 */
public final class ProgressTable {

    /** The order of trials in the table: those doing something first. */
    private static final List<TrialStatus> DISPLAY_ORDER =
            List.of(TrialStatus.RUNNING, TrialStatus.PENDING, TrialStatus.TERMINATED, TrialStatus.ERROR);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** Error messages are cut to this many characters in the errored-trials table. */
    private static final int MAX_ERROR = 80;
    /** Stands for a config key a trial does not have, unlike a key set to null. */
    private static final Object ABSENT = new Object();

    private ProgressTable() {
    }

    /**
     * The status block: header lines, {@code Number of trials: ...}, the trial table and the
     * errored trials.
     *
     * <p>The table has the trial name, status, each config leaf whose value differs between trials
     * (dotted key), {@code iter} and {@code total time (s)} from the last result, then
     * {@code metricColumns}; columns no trial has a value for are left out. When there are more
     * trials than {@code maxRows}, each status gets a fair share of the rows (running trials first)
     * and a line says how many of each were left out.
     *
     * @param maxRows the most trials (and errored trials) to list; 0 or less for all
     */
    public static String render(StatusHeader header, List<TrialSnapshot> trials, List<String> metricColumns,
            int maxRows) {
        List<String> lines = new ArrayList<>();
        lines.add("== Status ==");
        lines.add("Current time: " + header.currentTime().format(TIME)
                + " (running for " + Cells.elapsed(header.elapsed()) + ")");
        addIfPresent(lines, "", header.scheduler());
        addIfPresent(lines, "", header.extra());
        addIfPresent(lines, "Resources: ", header.resources());
        addIfPresent(lines, "Experiment: ", header.experimentName());
        lines.add("Number of trials: " + trials.size() + total(header.totalTrials()) + counts(trials));
        if (!trials.isEmpty()) {
            int limit = maxRows > 0 ? maxRows : Integer.MAX_VALUE;
            Map<TrialStatus, List<TrialSnapshot>> shown = fairShare(trials, limit);
            List<TrialSnapshot> rows = shown.values().stream().flatMap(List::stream).toList();
            lines.add(trialTable(header, trials, rows, metricColumns));
            if (rows.size() < trials.size()) {
                lines.add(overflow(trials, shown));
            }
            lines.addAll(errors(header, trials, limit));
        }
        return String.join("\n", lines) + "\n";
    }

    /**
     * The closing summary: trial counts by status, the best trial with its metric value and
     * config (when {@code metric} and {@code mode} are given; by the last reported value, as
     * {@link ExperimentAnalysis#bestTrial()}), the errored trials and where the results are.
     */
    public static String summary(StatusHeader header, Path experimentPath, List<TrialSnapshot> trials,
            String metric, Mode mode) {
        List<String> lines = new ArrayList<>();
        lines.add("== Summary ==");
        addIfPresent(lines, "Experiment: ", header.experimentName());
        lines.add("Total run time: " + Cells.elapsed(header.elapsed()));
        lines.add("Number of trials: " + trials.size() + counts(trials));
        if (metric != null && mode != null) {
            Optional<TrialSnapshot> best = BestTrials.best(trials, metric, mode, Scope.LAST);
            if (best.isPresent()) {
                TrialSnapshot t = best.get();
                double value = BestTrials.score(t, metric, mode, Scope.LAST).orElseThrow();
                lines.add("Best trial: " + header.trialName(t.trialId()) + " with " + metric + "=" + value
                        + " (" + mode + ")");
                lines.add("Best config: " + t.config().toJson());
            } else {
                lines.add("Best trial: none (no trial reported a finite " + metric + ")");
            }
        }
        List<String> errored = trials.stream().filter(t -> t.status() == TrialStatus.ERROR)
                .map(t -> header.trialName(t.trialId())).toList();
        if (!errored.isEmpty()) {
            lines.add("Errored trials: " + String.join(", ", errored));
        }
        lines.add("Results: " + experimentPath);
        return String.join("\n", lines) + "\n";
    }

    private static void addIfPresent(List<String> lines, String prefix, String value) {
        if (value != null && !value.isBlank()) {
            lines.add(prefix + value);
        }
    }

    private static String total(int totalTrials) {
        if (totalTrials == Integer.MAX_VALUE) {
            return "/infinite";
        }
        return totalTrials > 0 ? "/" + totalTrials : "";
    }

    /** {@code " (1 PENDING, 2 RUNNING)"}: statuses in alphabetical order, as Ray lists them. */
    private static String counts(List<TrialSnapshot> trials) {
        if (trials.isEmpty()) {
            return "";
        }
        Map<String, Long> byName = new TreeMap<>(trials.stream()
                .collect(Collectors.groupingBy(t -> t.status().name(), Collectors.counting())));
        return byName.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", ", " (", ")"));
    }

    /**
     * Up to {@code limit} trials, handed out one per status in turn (running first) so every
     * status stays visible; within a status the earliest trials are kept.
     */
    private static Map<TrialStatus, List<TrialSnapshot>> fairShare(List<TrialSnapshot> trials, int limit) {
        Map<TrialStatus, List<TrialSnapshot>> byStatus = byStatus(trials);
        Map<TrialStatus, Integer> quota = new EnumMap<>(TrialStatus.class);
        int left = limit;
        boolean grew = true;
        while (left > 0 && grew) {
            grew = false;
            for (TrialStatus s : DISPLAY_ORDER) {
                int q = quota.getOrDefault(s, 0);
                if (left > 0 && q < byStatus.get(s).size()) {
                    quota.put(s, q + 1);
                    left--;
                    grew = true;
                }
            }
        }
        Map<TrialStatus, List<TrialSnapshot>> shown = new LinkedHashMap<>();
        for (TrialStatus s : DISPLAY_ORDER) {
            shown.put(s, byStatus.get(s).subList(0, quota.getOrDefault(s, 0)));
        }
        return shown;
    }

    private static Map<TrialStatus, List<TrialSnapshot>> byStatus(List<TrialSnapshot> trials) {
        Map<TrialStatus, List<TrialSnapshot>> byStatus = new LinkedHashMap<>();
        DISPLAY_ORDER.forEach(s -> byStatus.put(s, new ArrayList<>()));
        trials.forEach(t -> byStatus.get(t.status()).add(t));
        return byStatus;
    }

    private static String overflow(List<TrialSnapshot> trials, Map<TrialStatus, List<TrialSnapshot>> shown) {
        Map<TrialStatus, List<TrialSnapshot>> all = byStatus(trials);
        List<String> parts = new ArrayList<>();
        int hidden = 0;
        for (TrialStatus s : DISPLAY_ORDER) {
            int n = all.get(s).size() - shown.get(s).size();
            if (n > 0) {
                parts.add(n + " " + s);
                hidden += n;
            }
        }
        return "... " + hidden + " more trials not shown (" + String.join(", ", parts) + ")";
    }

    /** Columns are chosen from all trials, so they stay put while rows come and go. */
    private static String trialTable(StatusHeader header, List<TrialSnapshot> all, List<TrialSnapshot> rows,
            List<String> metricColumns) {
        List<String> headers = new ArrayList<>(List.of("Trial name", "status"));
        List<Function<TrialSnapshot, Object>> getters = new ArrayList<>();
        getters.add(t -> header.trialName(t.trialId()));
        getters.add(t -> t.status().name());
        for (String key : varyingConfigKeys(all)) {
            headers.add(key);
            getters.add(t -> t.config().flatten().get(key));
        }
        Map<String, Function<TrialResult, Object>> resultColumns = new LinkedHashMap<>();
        resultColumns.put("iter", TrialResult::trainingIteration);
        resultColumns.put("total time (s)", TrialResult::timeTotalSeconds);
        for (String m : metricColumns) {
            resultColumns.putIfAbsent(m, r -> r.get(m).orElse(null));
        }
        resultColumns.forEach((name, column) -> {
            Function<TrialSnapshot, Object> getter = t -> t.lastResult().map(column).orElse(null);
            if (all.stream().map(getter).anyMatch(Objects::nonNull)) {
                headers.add(name);
                getters.add(getter);
            }
        });

        List<List<Object>> values = rows.stream()
                .map(t -> getters.stream().map(g -> g.apply(t)).toList()).toList();
        List<Align> aligns = new ArrayList<>();
        for (int c = 0; c < headers.size(); c++) {
            int col = c;
            boolean numeric = c >= 2 && values.stream().map(v -> v.get(col)).filter(Objects::nonNull)
                    .allMatch(v -> v instanceof Number);
            aligns.add(numeric ? Align.RIGHT : Align.LEFT);
        }
        List<List<String>> cells = values.stream()
                .map(v -> v.stream().map(Cells::compact).toList()).toList();
        return TextTable.render(headers, aligns, cells);
    }

    /** Dotted config keys, in first-seen order, whose value is not the same in every trial. */
    private static List<String> varyingConfigKeys(List<TrialSnapshot> trials) {
        List<Map<String, Object>> flat = trials.stream().map(t -> t.config().flatten()).toList();
        Set<String> keys = new LinkedHashSet<>();
        flat.forEach(m -> keys.addAll(m.keySet()));
        List<String> varying = new ArrayList<>();
        for (String key : keys) {
            // A key some trials lack varies too: the column shows where it is set.
            long distinct = flat.stream().map(m -> m.containsKey(key) ? m.get(key) : ABSENT).distinct().count();
            if (distinct > 1) {
                varying.add(key);
            }
        }
        return varying;
    }

    /** A trial that failed at least once, whether it was retried or not. */
    private static boolean failed(TrialSnapshot t) {
        return t.status() == TrialStatus.ERROR || t.errorMessage() != null;
    }

    /** Ray's errored-trials section; {@code *} marks trials that failed but were retried. */
    private static List<String> errors(StatusHeader header, List<TrialSnapshot> trials, int limit) {
        List<TrialSnapshot> failed = trials.stream().filter(ProgressTable::failed).toList();
        if (failed.isEmpty()) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        lines.add("Number of errored trials: " + failed.size());
        if (failed.size() > limit) {
            lines.add("Table truncated to " + limit + " rows (" + (failed.size() - limit) + " overflow)");
        }
        List<TrialSnapshot> shown = failed.subList(0, Math.min(limit, failed.size()));
        List<List<String>> rows = new ArrayList<>();
        for (TrialSnapshot t : shown) {
            String firstLine = t.errorMessage() == null ? "" : t.errorMessage().lines().findFirst().orElse("");
            rows.add(List.of(header.trialName(t.trialId()),
                    t.numFailures() + (t.status() == TrialStatus.ERROR ? "" : "*"),
                    Cells.keepStart(firstLine.strip(), MAX_ERROR)));
        }
        lines.add(TextTable.render(List.of("Trial name", "# failures", "error"),
                List.of(Align.LEFT, Align.RIGHT, Align.LEFT), rows));
        if (shown.stream().anyMatch(t -> t.status() != TrialStatus.ERROR)) {
            lines.add("* The trial was retried after failing and has not failed for good.");
        }
        return lines;
    }
}
