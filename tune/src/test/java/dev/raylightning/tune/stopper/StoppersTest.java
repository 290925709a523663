package dev.raylightning.tune.stopper;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoppersTest {

    private static TrialResult result(String trial, long iteration, Map<String, Double> metrics) {
        return new TrialResult(trial, iteration, iteration * 2.0, 2.0, 1_700_000_000L + iteration, metrics, null);
    }

    private static TrialResult acc(String trial, long iteration, double acc) {
        return result(trial, iteration, Map.of("acc", acc));
    }

    @Test
    void stopDictStopsWhenAnyKeyReachesItsCriterion() {
        Map<String, Number> criteria = new LinkedHashMap<>();
        criteria.put("training_iteration", 5);
        criteria.put("acc", 0.9);
        Stopper s = Stoppers.of(criteria);
        assertFalse(s.stopTrial("a", acc("a", 1, 0.5)));
        assertFalse(s.stopTrial("a", acc("a", 4, 0.89)));
        assertTrue(s.stopTrial("a", acc("a", 4, 0.9)), "acc reached exactly");
        assertTrue(s.stopTrial("b", acc("b", 5, 0.1)), "training_iteration reached");
        assertFalse(s.stopTrial("c", acc("c", 2, Double.NaN)), "NaN reaches nothing");
        assertEquals("StopDict(stop a trial when training_iteration >= 5 or acc >= 0.9)", s.toString());
        assertFalse(s.stopAll());
    }

    @Test
    void stopDictReadsAutomaticFields() {
        Stopper s = Stoppers.of(Map.of("time_total_s", 10));
        assertFalse(s.stopTrial("a", acc("a", 4, 0)));  // 8 s
        assertTrue(s.stopTrial("a", acc("a", 5, 0)));   // 10 s
    }

    @Test
    void stopDictKeyMissingFromAResultIsAnErrorNamingIt() {
        Stopper s = Stoppers.of(Map.of("training_iteration", 100, "mean_accuracy", 0.99));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.stopTrial("a", acc("a", 1, 0.5)));
        assertTrue(e.getMessage().contains("'mean_accuracy'"), e.getMessage());
        assertTrue(e.getMessage().contains("[acc, training_iteration"), e.getMessage());
    }

    @Test
    void stopDictRejectsBadCriteria() {
        Map<String, Double> nan = Map.of("acc", Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> Stoppers.of(nan));
        Map<String, Integer> withNull = new LinkedHashMap<>();
        withNull.put("acc", null);
        assertThrows(IllegalArgumentException.class, () -> Stoppers.of(withNull));
        assertFalse(Stoppers.of(Map.of()).stopTrial("a", acc("a", 1, 1)), "an empty dict never stops");
    }

    @Test
    void maximumIterationsCountsEachTrialsResults() {
        Stopper s = Stoppers.maximumIterations(3);
        assertFalse(s.stopTrial("a", acc("a", 1, 0)));
        assertFalse(s.stopTrial("b", acc("b", 1, 0)));
        assertFalse(s.stopTrial("a", acc("a", 2, 0)));
        assertTrue(s.stopTrial("a", acc("a", 3, 0)));
        assertFalse(s.stopTrial("b", acc("b", 2, 0)));
        assertTrue(s.stopTrial("b", acc("b", 3, 0)));
        assertFalse(s.stopAll());
        assertTrue(s.toString().contains("after 3 results"), s.toString());
        assertThrows(IllegalArgumentException.class, () -> Stoppers.maximumIterations(0));
    }

    @Test
    void metricThresholdDependsOnMode() {
        Stopper max = Stoppers.metricThreshold("acc", 0.9, Mode.MAX);
        assertFalse(max.stopTrial("a", acc("a", 1, 0.89)));
        assertTrue(max.stopTrial("a", acc("a", 2, 0.9)));
        assertFalse(max.stopTrial("a", acc("a", 3, Double.NaN)));
        assertEquals("MetricThresholdStopper(stop a trial when acc >= 0.9)", max.toString());

        Stopper min = Stoppers.metricThreshold("loss", 0.1, Mode.MIN);
        assertFalse(min.stopTrial("a", result("a", 1, Map.of("loss", 0.5))));
        assertTrue(min.stopTrial("a", result("a", 2, Map.of("loss", 0.1))));
        assertFalse(min.stopTrial("a", result("a", 3, Map.of("loss", Double.NaN))));
        assertEquals("MetricThresholdStopper(stop a trial when loss <= 0.1)", min.toString());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> min.stopTrial("a", acc("a", 1, 0.5)));
        assertTrue(e.getMessage().contains("'loss'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Stoppers.metricThreshold("acc", 1, null));
    }

    @Test
    void timeBudgetStartsAtTheFirstCallAndStopsAll() {
        AtomicLong nanos = new AtomicLong(5_000_000_000L);
        Stopper s = Stoppers.timeBudget(Duration.ofSeconds(60), nanos::get);
        nanos.addAndGet(Duration.ofHours(1).toNanos()); // time before the first call does not count
        assertFalse(s.stopTrial("a", acc("a", 1, 0)), "a time budget never stops a single trial");
        assertFalse(s.stopAll());
        nanos.addAndGet(Duration.ofSeconds(59).toNanos());
        assertFalse(s.stopAll());
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertTrue(s.stopAll());
        assertFalse(s.stopTrial("a", acc("a", 2, 0)));
        assertTrue(s.toString().contains("PT1M"), s.toString());
        assertThrows(IllegalArgumentException.class, () -> Stoppers.timeBudget(Duration.ZERO));
    }

    @Test
    void timeBudgetStartsWithStopAllToo() {
        AtomicLong nanos = new AtomicLong();
        Stopper s = Stoppers.timeBudget(Duration.ofMillis(10), nanos::get);
        assertFalse(s.stopAll());
        nanos.addAndGet(10_000_000L);
        assertTrue(s.stopAll());
    }

    @Test
    void restoredTimeBudgetKeepsWhatWasSpent() throws Exception {
        AtomicLong nanos = new AtomicLong();
        Stopper spent = Stoppers.timeBudget(Duration.ofSeconds(60), nanos::get);
        spent.stopAll();
        nanos.addAndGet(Duration.ofSeconds(61).toNanos());
        assertTrue(roundTrip(spent).stopAll(), "the budget ran out before saving");

        Stopper fresh = Stoppers.timeBudget(Duration.ofHours(1), nanos::get);
        fresh.stopAll();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertFalse(roundTrip(fresh).stopAll(), "most of the budget is left");

        Stopper unstarted = Stoppers.timeBudget(Duration.ofHours(1), nanos::get);
        assertFalse(roundTrip(unstarted).stopAll());
    }

    @Test
    void trialPlateauStopsWhenTheLastValuesBarelyMove() {
        Stopper s = Stoppers.trialPlateau("acc", 0.01, 3, 4);
        double[] values = {0.1, 0.5, 0.8, 0.8, 0.8, 0.8};
        List<Boolean> decisions = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            decisions.add(s.stopTrial("a", acc("a", i + 1, values[i])));
        }
        // Last three equal from the 5th result on (the 4th still has 0.5 in its window).
        assertEquals(List.of(false, false, false, false, true, true), decisions);
        assertFalse(s.stopTrial("b", acc("b", 1, 0.8)), "each trial has its own window");

        Stopper grace = Stoppers.trialPlateau("acc", 0.01, 2, 5);
        for (int i = 1; i <= 4; i++) {
            assertFalse(grace.stopTrial("a", acc("a", i, 1.0)), "within the grace period");
        }
        assertTrue(grace.stopTrial("a", acc("a", 5, 1.0)));
        assertTrue(Stoppers.trialPlateau("acc").toString().contains("last 4 acc values"));
    }

    @Test
    void anyStopsWhenOneDoesAndEveryStopperSeesEveryResult() {
        Counting counting = new Counting();
        AtomicLong nanos = new AtomicLong();
        Stopper s = Stoppers.any(Stoppers.metricThreshold("acc", 0.5, Mode.MAX), counting,
                Stoppers.timeBudget(Duration.ofSeconds(10), nanos::get));
        assertFalse(s.stopTrial("a", acc("a", 1, 0.1)));
        assertTrue(s.stopTrial("a", acc("a", 2, 0.6)));
        assertTrue(s.stopTrial("a", acc("a", 3, 0.7)));
        assertEquals(3, counting.calls, "no short-circuit");
        assertFalse(s.stopAll());
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        assertTrue(s.stopAll());
        assertTrue(s.toString().startsWith("AnyOf(MetricThresholdStopper("), s.toString());
        assertTrue(s.toString().contains("TimeoutStopper("), s.toString());
    }

    @Test
    void stoppersSurviveSerializationWithTheirState() throws Exception {
        Stopper s = Stoppers.any(Stoppers.of(Map.of("training_iteration", 10)), Stoppers.maximumIterations(2),
                Stoppers.trialPlateau("acc"));
        assertFalse(s.stopTrial("a", acc("a", 1, 0.5)));
        Stopper restored = roundTrip(s);
        assertTrue(restored.stopTrial("a", acc("a", 2, 0.5)), "the iteration count was restored");
        assertEquals(s.toString(), restored.toString());
    }

    /** Counts calls and never stops. */
    private static final class Counting implements Stopper {
        int calls;

        @Override
        public boolean stopTrial(String trialId, TrialResult result) {
            calls++;
            return false;
        }
    }

    private static Stopper roundTrip(Stopper s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Stopper) in.readObject();
        }
    }
}
