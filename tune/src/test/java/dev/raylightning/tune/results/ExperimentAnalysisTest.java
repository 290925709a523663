package dev.raylightning.tune.results;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;
import dev.raylightning.tune.results.ExperimentAnalysis.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.raylightning.tune.results.Fixtures.config;
import static dev.raylightning.tune.results.Fixtures.metrics;
import static dev.raylightning.tune.results.Fixtures.ordered;
import static dev.raylightning.tune.results.Fixtures.reporting;
import static dev.raylightning.tune.results.Fixtures.result;
import static dev.raylightning.tune.results.Fixtures.trial;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentAnalysisTest {

    @TempDir
    Path storage;

    private static Optional<String> bestId(ExperimentAnalysis a, String metric, Mode mode, Scope scope) {
        return a.bestTrial(metric, mode, scope).map(TrialSnapshot::trialId);
    }

    private static ExperimentAnalysis analysis(List<TrialSnapshot> trials) {
        return new ExperimentAnalysis(Path.of("exp"), trials, null, null);
    }

    @Test
    void lastScopeComparesLastValuesForMaxAndMin() {
        ExperimentAnalysis a = analysis(List.of(
                reporting("a", "acc", 0.1, 0.9, 0.2),
                reporting("b", "acc", 0.5, 0.5, 0.5),
                reporting("c", "acc", 0.3, 0.6)));
        assertEquals(Optional.of("c"), bestId(a, "acc", Mode.MAX, Scope.LAST));
        assertEquals(Optional.of("a"), bestId(a, "acc", Mode.MIN, Scope.LAST));
        assertEquals(Optional.of("a"), bestId(a, "acc", Mode.MAX, Scope.ALL), "0.9 was reported once");
        assertEquals(Optional.of("a"), bestId(a, "acc", Mode.MIN, Scope.ALL), "0.1 was reported once");
        assertEquals(Optional.of("b"), bestId(a, "acc", Mode.MAX, Scope.AVG), "0.5 > 0.45 > 0.4");
        assertEquals(Optional.of("a"), bestId(a, "acc", Mode.MIN, Scope.AVG));
        assertEquals(Optional.of("c"), bestId(a, "acc", Mode.MAX, null), "a null scope means LAST");
    }

    @Test
    void eachScopeAveragesItsWindow() {
        // x: avg 0.5, last five 1.0; y: 0.8 throughout; w: avg 0.75, last ten 0.9, last five 0.9.
        ExperimentAnalysis a = analysis(List.of(
                reporting("x", "m", 0, 0, 0, 0, 0, 1, 1, 1, 1, 1),
                reporting("y", "m", 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8),
                reporting("w", "m", 0, 0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9)));
        assertEquals(Optional.of("x"), bestId(a, "m", Mode.MAX, Scope.LAST));
        assertEquals(Optional.of("x"), bestId(a, "m", Mode.MAX, Scope.ALL));
        assertEquals(Optional.of("y"), bestId(a, "m", Mode.MAX, Scope.AVG));
        assertEquals(Optional.of("x"), bestId(a, "m", Mode.MAX, Scope.LAST_5_AVG));
        assertEquals(Optional.of("w"), bestId(a, "m", Mode.MAX, Scope.LAST_10_AVG));
        assertEquals(Optional.of("x"), bestId(a, "m", Mode.MIN, Scope.AVG));
        assertEquals(Optional.of("y"), bestId(a, "m", Mode.MIN, Scope.LAST_5_AVG));
        assertEquals(Optional.of("x"), bestId(a, "m", Mode.MIN, Scope.LAST_10_AVG));
        assertEquals(Optional.of("x"), bestId(a, "m", Mode.MIN, Scope.ALL), "x and w both reached 0: ties keep the earlier");
    }

    @Test
    void trialsWithoutTheMetricOrWithNanAreNeverBest() {
        TrialSnapshot none = trial("none", TrialStatus.TERMINATED, config(), List.of(result("none", 1, metrics("other", 100))));
        TrialSnapshot empty = trial("empty", TrialStatus.PENDING, config(), List.of());
        ExperimentAnalysis a = analysis(List.of(
                none, empty,
                reporting("nan", "loss", 0.1, Double.NaN),
                reporting("inf", "loss", Double.NEGATIVE_INFINITY),
                reporting("ok", "loss", 5.0)));
        assertEquals(Optional.of("ok"), bestId(a, "loss", Mode.MIN, Scope.LAST));
        assertEquals(Optional.of("ok"), bestId(a, "loss", Mode.MAX, Scope.LAST));
        assertEquals(Optional.of("nan"), bestId(a, "loss", Mode.MIN, Scope.ALL), "ALL ignores the NaN report");
        assertEquals(Optional.of("ok"), bestId(a, "loss", Mode.MIN, Scope.AVG), "an average with NaN is NaN");
        assertEquals(Optional.empty(), bestId(a, "unknown", Mode.MIN, Scope.LAST));
        assertEquals(Optional.empty(), analysis(List.of(none)).bestTrial("loss", Mode.MIN),
                "a lone trial without the metric is not best either");
    }

    @Test
    void automaticFieldsCanBeTheMetric() {
        ExperimentAnalysis a = analysis(List.of(reporting("short", "m", 1), reporting("long", "m", 1, 1, 1)));
        assertEquals(Optional.of("long"), a.bestTrial(TrialResult.TRAINING_ITERATION, Mode.MAX).map(TrialSnapshot::trialId));
        assertEquals(Optional.of("short"), a.bestTrial(TrialResult.TIME_TOTAL_S, Mode.MIN).map(TrialSnapshot::trialId));
    }

    @Test
    void defaultsServeTheMethodsWithoutArguments() {
        TrialSnapshot a = reporting("a", "acc", 0.2, 0.7);
        TrialSnapshot b = reporting("b", "acc", 0.9, 0.6);
        ExperimentAnalysis max = new ExperimentAnalysis(Path.of("exp"), List.of(a, b), "acc", Mode.MAX);
        assertEquals("a", max.bestTrial().orElseThrow().trialId());
        assertEquals(a.config(), max.bestConfig().orElseThrow());
        assertEquals(a.results().get(1), max.bestResult().orElseThrow());
        assertEquals(b.config(), max.bestConfig("acc", Mode.MIN).orElseThrow());
        assertEquals(b.config(), max.bestConfig(null, Mode.MIN).orElseThrow(), "a null metric falls back to the default");
        assertEquals(b.config(), max.bestConfig("acc", Mode.MAX, Scope.ALL).orElseThrow());
        assertEquals(b.results().get(1), max.bestResult("acc", Mode.MIN).orElseThrow());
    }

    @Test
    void methodsWithoutDefaultsSayToPassMetricAndMode() {
        ExperimentAnalysis a = new ExperimentAnalysis(Path.of("exp"), List.of(reporting("a", "acc", 1)), null, null);
        for (Runnable call : List.<Runnable>of(a::bestTrial, a::bestConfig, a::bestResult, a::bestCheckpoint,
                () -> a.bestTrial(null, Mode.MAX, Scope.LAST), () -> a.bestTrial("acc", null, Scope.LAST))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
            assertTrue(e.getMessage().contains("metric") && e.getMessage().contains("mode")
                    && e.getMessage().contains("Tune.run"), e.getMessage());
        }
        ExperimentAnalysis onlyMetric = new ExperimentAnalysis(Path.of("exp"), List.of(), "acc", null);
        assertThrows(IllegalStateException.class, onlyMetric::bestTrial);
        assertEquals(Optional.empty(), onlyMetric.bestTrial("acc", Mode.MAX));
    }

    @Test
    void bestCheckpointIsTheBestTrialsBestScoringCheckpointThatStillExists() throws IOException {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        TrialConfig cfg = config("lr", 0.1);
        // Trial "a" ends best (last acc 0.95); its best checkpointed report is iteration 2.
        List<TrialResult> aResults = new ArrayList<>();
        aResults.add(result("a", 1, checkpoint(dir, "a", 1), metrics("acc", 0.5)));
        aResults.add(result("a", 2, checkpoint(dir, "a", 2), metrics("acc", 0.9)));
        aResults.add(result("a", 3, checkpoint(dir, "a", 3), metrics("acc", Double.NaN)));
        aResults.add(result("a", 4, checkpoint(dir, "a", 4), metrics("acc", 0.8)));
        aResults.add(result("a", 5, metrics("acc", 0.95)));
        List<TrialResult> bResults = List.of(
                result("b", 1, checkpoint(dir, "b", 1), metrics("acc", 0.1)),
                result("b", 2, checkpoint(dir, "b", 2), metrics("acc", 0.3)));
        TrialSnapshot a = trial("a", TrialStatus.TERMINATED, cfg, aResults);
        TrialSnapshot b = trial("b", TrialStatus.TERMINATED, cfg, bResults);
        ExperimentAnalysis analysis = new ExperimentAnalysis(dir.path(), List.of(a, b), "acc", Mode.MAX);

        Path best = analysis.bestCheckpoint().orElseThrow();
        assertTrue(best.isAbsolute());
        assertEquals(dir.trialDir("a").resolve("checkpoint_000002/model.ckpt"), best);
        // MIN picks trial b (last 0.3 < 0.95), then its lowest checkpoint.
        assertEquals(dir.trialDir("b").resolve("checkpoint_000001/model.ckpt"),
                analysis.bestCheckpoint("acc", Mode.MIN).orElseThrow());
        // By iteration the last checkpoint of trial a wins.
        assertEquals(dir.trialDir("a").resolve("checkpoint_000004/model.ckpt"),
                analysis.bestCheckpoint(a, TrialResult.TRAINING_ITERATION, Mode.MAX).orElseThrow());

        // Once the best checkpoint is deleted (kept-checkpoint limits), the next best is returned.
        Files.delete(best);
        assertEquals(dir.trialDir("a").resolve("checkpoint_000004/model.ckpt"), analysis.bestCheckpoint().orElseThrow());
        assertEquals(Optional.empty(), new ExperimentAnalysis(dir.path(),
                List.of(reporting("c", "acc", 1.0)), "acc", Mode.MAX).bestCheckpoint(), "no checkpoints at all");
    }

    private static String checkpoint(ExperimentDirectory dir, String trialId, long iteration) {
        return dir.writeCheckpoint(trialId, iteration, "model.ckpt", new byte[] {(byte) iteration}).toString();
    }

    @Test
    void resultsHaveOneRowPerTrialLikeRaysDataframe() {
        TrialSnapshot done = trial("a", TrialStatus.TERMINATED, config("lr", 0.1, "model", ordered("hidden", 32L)),
                List.of(result("a", 1, metrics("loss", 0.5)), result("a", 2, metrics("loss", 0.25))));
        TrialSnapshot failed = new TrialSnapshot("b", config("lr", 0.2, "model", ordered("hidden", 64L)),
                TrialStatus.ERROR, List.of(), "RuntimeException: boom", 1, null);
        ExperimentAnalysis a = new ExperimentAnalysis(storage, List.of(done, failed), "loss", Mode.MIN);

        List<Map<String, Object>> rows = a.results();
        assertEquals(2, rows.size());
        Map<String, Object> first = rows.get(0);
        assertEquals(List.of("loss", "time_this_iter_s", "training_iteration", "timestamp", "time_total_s", "trial_id",
                "config/lr", "config/model.hidden", "status", "error", "logdir"), List.copyOf(first.keySet()));
        assertEquals(0.25, first.get("loss"));
        assertEquals(2L, first.get("training_iteration"));
        assertEquals(0.1, first.get("config/lr"));
        assertEquals(32L, first.get("config/model.hidden"));
        assertEquals("TERMINATED", first.get("status"));
        assertEquals("a", first.get("trial_id"));
        assertNull(first.get("error"));
        assertEquals(storage.toAbsolutePath().resolve("trial_a").toString(), first.get("logdir"));

        Map<String, Object> second = rows.get(1);
        assertEquals(List.of("config/lr", "config/model.hidden", "status", "trial_id", "error", "logdir"),
                List.copyOf(second.keySet()));
        assertEquals("ERROR", second.get("status"));
        assertEquals("RuntimeException: boom", second.get("error"));

        assertEquals(List.of("a", "b"), List.copyOf(a.trialResults().keySet()));
        assertEquals(done.results(), a.trialResults().get("a"));
        assertEquals(List.of(), a.trialResults().get("b"));
        assertEquals(1, a.count(TrialStatus.ERROR));
        assertEquals(1, a.count(TrialStatus.TERMINATED));
        assertEquals(0, a.count(TrialStatus.RUNNING));
        assertEquals(List.of(failed), a.errors());
    }

    @Test
    void loadReadsTrialsMetricAndModeFromTheStateFile() {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        List<TrialSnapshot> trials = List.of(reporting("a", "loss", 0.3), reporting("b", "loss", 0.2));
        dir.saveState(new ExperimentState("exp", "loss", Mode.MIN, trials, Map.of()));

        ExperimentAnalysis a = ExperimentAnalysis.load(dir.path());
        assertEquals(trials, a.trials());
        assertEquals(dir.path(), a.experimentPath());
        assertEquals(Optional.of("loss"), a.defaultMetric());
        assertEquals(Optional.of(Mode.MIN), a.defaultMode());
        assertEquals("b", a.bestTrial().orElseThrow().trialId());
        assertThrows(IllegalArgumentException.class, () -> ExperimentAnalysis.load(storage));
    }

    @Test
    void scopesParseRaysSpelling() {
        assertEquals(Scope.LAST_5_AVG, Scope.of("last-5-avg"));
        assertEquals(Scope.ALL, Scope.of("all"));
        assertEquals("last-10-avg", Scope.LAST_10_AVG.toString());
        assertThrows(IllegalArgumentException.class, () -> Scope.of("median"));
    }
}
