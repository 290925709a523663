package dev.raylightning.tune.results;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

import static dev.raylightning.tune.results.Fixtures.config;
import static dev.raylightning.tune.results.Fixtures.metrics;
import static dev.raylightning.tune.results.Fixtures.ordered;
import static dev.raylightning.tune.results.Fixtures.result;
import static dev.raylightning.tune.results.Fixtures.trial;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTableTest {

    private static final StatusHeader HEADER = StatusHeader.of("mnist_asha", LocalDateTime.of(2026, 11, 27, 8, 30, 12),
                    Duration.ofSeconds(83), "AsyncHyperBand: num_stopped=1", "using 3/4 CPUs")
            .withTrainableName("train").withTotalTrials(4);

    private static final StatusHeader BARE = StatusHeader.of(null, LocalDateTime.of(2026, 1, 2, 3, 4, 5),
            Duration.ZERO, null, null);

    /** A trial that reported val_loss once per value, 1.5 s per report. */
    private static TrialSnapshot trial(String id, TrialStatus status, TrialConfig config, double... losses) {
        List<TrialResult> results = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            results.add(result(id, i + 1, metrics("val_loss", losses[i])));
        }
        return Fixtures.trial(id, status, config, results);
    }

    private static TrialSnapshot failed(String id, TrialStatus status, int failures, String error) {
        return new TrialSnapshot(id, config(), status, List.of(), error, failures, null);
    }

    @Test
    void rendersRaysStatusBlock() {
        List<TrialSnapshot> trials = List.of(
                trial("00000", TrialStatus.TERMINATED, config("lr", 0.01, "layer_1", 64L, "batch", 32L), 0.9, 0.5, 0.31234567),
                trial("00001", TrialStatus.RUNNING, config("lr", 0.001, "layer_1", 128L, "batch", 32L), 0.5),
                trial("00002", TrialStatus.RUNNING, config("lr", 0.1, "layer_1", 64L, "batch", 32L), 0.7, 1.23456789e-5),
                trial("00003", TrialStatus.PENDING, config("lr", 1e-4, "layer_1", 256L, "batch", 32L)));

        assertEquals("""
                == Status ==
                Current time: 2026-11-27 08:30:12 (running for 00:01:23)
                AsyncHyperBand: num_stopped=1
                Resources: using 3/4 CPUs
                Experiment: mnist_asha
                Number of trials: 4/4 (1 PENDING, 2 RUNNING, 1 TERMINATED)
                +-------------+------------+--------+---------+------+----------------+------------+
                | Trial name  | status     |     lr | layer_1 | iter | total time (s) |   val_loss |
                |-------------+------------+--------+---------+------+----------------+------------|
                | train_00001 | RUNNING    |  0.001 |     128 |    1 |            1.5 |        0.5 |
                | train_00002 | RUNNING    |    0.1 |      64 |    2 |              3 | 1.2346e-05 |
                | train_00003 | PENDING    | 0.0001 |     256 |      |                |            |
                | train_00000 | TERMINATED |   0.01 |      64 |    3 |            4.5 |    0.31235 |
                +-------------+------------+--------+---------+------+----------------+------------+
                """, ProgressTable.render(HEADER, trials, List.of("val_loss", "never_reported"), 20));
    }

    @Test
    void headerLinesAreOptionalAndAnEmptyExperimentHasNoTable() {
        StatusHeader h = BARE.withExtra("Bracket: Iter 4.000: None").withTotalTrials(Integer.MAX_VALUE);
        assertEquals("""
                == Status ==
                Current time: 2026-01-02 03:04:05 (running for 00:00:00)
                Bracket: Iter 4.000: None
                Number of trials: 0/infinite
                """, ProgressTable.render(h, List.of(), List.of(), 20));
    }

    @Test
    void onlyConfigLeavesThatDifferBecomeColumns() {
        List<TrialSnapshot> trials = List.of(
                trial("a", TrialStatus.PENDING, config("seed", 1L, "model", ordered("hidden", 32L, "act", "relu"),
                        "layers", List.of(1L, 2L))),
                trial("b", TrialStatus.PENDING, config("seed", 1L, "model", ordered("hidden", 64L, "act", "relu"),
                        "layers", List.of(1L, 2L), "dropout", true)),
                trial("c", TrialStatus.PENDING, config("seed", 1L, "model", ordered("hidden", 64L, "act", "relu"),
                        "layers", List.of(1L, 3L))));
        String text = ProgressTable.render(BARE, trials, List.of("val_loss"), 0);
        assertTrue(text.contains("""
                +------------+---------+--------------+--------+---------+
                | Trial name | status  | model.hidden | layers | dropout |
                |------------+---------+--------------+--------+---------|
                | a          | PENDING |           32 | [1, 2] |         |
                | b          | PENDING |           64 | [1, 2] | true    |
                | c          | PENDING |           64 | [1, 3] |         |
                +------------+---------+--------------+--------+---------+
                """), text);

        // With one trial nothing varies; with no reports there are no iter/time/metric columns either.
        String single = ProgressTable.render(BARE, trials.subList(0, 1), List.of("val_loss"), 0);
        assertTrue(single.contains("""
                | Trial name | status  |
                |------------+---------|
                | a          | PENDING |
                """), single);
    }

    @Test
    void longTextIsShortenedToItsEnd() {
        List<TrialSnapshot> trials = List.of(
                trial("a", TrialStatus.PENDING, config("path", "/data/sets/fashion-mnist/train")),
                trial("b", TrialStatus.PENDING, config("path", "short")));
        String text = ProgressTable.render(BARE, trials, List.of(), 0);
        assertTrue(text.contains("| a          | PENDING | ...shion-mnist/train |"), text);
    }

    @Test
    void tooManyTrialsShowAFairShareAndSayWhatIsHidden() {
        List<TrialSnapshot> trials = List.of(
                trial("t1", TrialStatus.TERMINATED, config("i", 1L), 0.1),
                trial("t2", TrialStatus.TERMINATED, config("i", 2L), 0.2),
                trial("r1", TrialStatus.RUNNING, config("i", 3L), 0.3),
                trial("t3", TrialStatus.TERMINATED, config("i", 4L), 0.4),
                trial("r2", TrialStatus.RUNNING, config("i", 5L), 0.5),
                trial("p1", TrialStatus.PENDING, config("i", 6L)),
                trial("r3", TrialStatus.RUNNING, config("i", 7L), 0.7));

        String four = ProgressTable.render(BARE, trials, List.of("val_loss"), 4);
        assertEquals(List.of("r1", "r2", "p1", "t1"), rowNames(four));
        assertTrue(four.endsWith("... 3 more trials not shown (1 RUNNING, 2 TERMINATED)\n"), four);

        String six = ProgressTable.render(BARE, trials, List.of("val_loss"), 6);
        assertEquals(List.of("r1", "r2", "r3", "p1", "t1", "t2"), rowNames(six));
        assertTrue(six.endsWith("... 1 more trials not shown (1 TERMINATED)\n"), six);

        String all = ProgressTable.render(BARE, trials, List.of("val_loss"), 7);
        assertEquals(List.of("r1", "r2", "r3", "p1", "t1", "t2", "t3"), rowNames(all));
        assertFalse(all.contains("more trials not shown"));
        assertEquals(rowNames(all), rowNames(ProgressTable.render(BARE, trials, List.of("val_loss"), 0)));
    }

    /** The first cell of each table row. */
    private static List<String> rowNames(String text) {
        List<String> lines = text.lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("| Trial name")).findFirst().orElseThrow());
        List<String> names = new ArrayList<>();
        for (int i = header + 2; lines.get(i).startsWith("| "); i++) {
            names.add(lines.get(i).substring(2, lines.get(i).indexOf(' ', 2)));
        }
        return names;
    }

    @Test
    void erroredTrialsAreListedBelowTheTable() {
        List<TrialSnapshot> trials = List.of(
                failed("00000", TrialStatus.ERROR, 2,
                        "java.lang.IllegalStateException: diverged\n\tat Trainer.fit(Trainer.java:10)"),
                failed("00001", TrialStatus.RUNNING, 1, "java.io.IOException: worker lost"),
                failed("00002", TrialStatus.TERMINATED, 0, null));
        String text = ProgressTable.render(BARE, trials, List.of(), 0);
        assertTrue(text.endsWith("""
                Number of errored trials: 2
                +------------+------------+-------------------------------------------+
                | Trial name | # failures | error                                     |
                |------------+------------+-------------------------------------------|
                | 00000      |          2 | java.lang.IllegalStateException: diverged |
                | 00001      |         1* | java.io.IOException: worker lost          |
                +------------+------------+-------------------------------------------+
                * The trial was retried after failing and has not failed for good.
                """), text);
    }

    @Test
    void erroredTrialsTableIsCutToMaxRowsAndLongErrorsToTheirStart() {
        String longError = "java.lang.RuntimeException: " + "x".repeat(100);
        List<TrialSnapshot> trials = List.of(
                failed("e1", TrialStatus.ERROR, 1, longError),
                failed("e2", TrialStatus.ERROR, 1, "boom"),
                failed("e3", TrialStatus.ERROR, 1, "boom"));
        String text = ProgressTable.render(BARE, trials, List.of(), 2);
        assertTrue(text.contains("Number of errored trials: 3\nTable truncated to 2 rows (1 overflow)\n"), text);
        assertTrue(text.contains("| e1         |          1 | " + longError.substring(0, 77) + "... |"), text);
        assertFalse(text.contains("| e3 "), text);
        assertFalse(text.contains("* The trial"), "no retried trials, no footnote");
    }

    @Test
    void summaryNamesTheBestTrialAndWhereResultsAre() {
        List<TrialSnapshot> trials = List.of(
                trial("00000", TrialStatus.TERMINATED, config("lr", 0.01, "layer_1", 64L), 0.9, 0.25),
                trial("00001", TrialStatus.TERMINATED, config("lr", 0.1, "layer_1", 128L), 0.5, 0.125),
                failed("00002", TrialStatus.ERROR, 1, "boom"));
        Path path = Path.of("results", "mnist_asha");
        assertEquals("""
                == Summary ==
                Experiment: mnist_asha
                Total run time: 00:01:23
                Number of trials: 3 (1 ERROR, 2 TERMINATED)
                Best trial: train_00001 with val_loss=0.125 (min)
                Best config: {"lr":0.1,"layer_1":128}
                Errored trials: train_00002
                Results: %s
                """.formatted(path), ProgressTable.summary(HEADER, path, trials, "val_loss", Mode.MIN));

        String noMetric = ProgressTable.summary(HEADER, path, trials, null, null);
        assertFalse(noMetric.contains("Best"), noMetric);
        String unknown = ProgressTable.summary(HEADER, path, trials, "acc", Mode.MAX);
        assertTrue(unknown.contains("Best trial: none (no trial reported a finite acc)\n"), unknown);
    }
}
