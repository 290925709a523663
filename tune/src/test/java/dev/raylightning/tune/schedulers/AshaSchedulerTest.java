package dev.raylightning.tune.schedulers;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.schedulers.TrialScheduler.Decision;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AshaSchedulerTest {

    private static TrialResult result(String trial, long iteration, String metric, double value) {
        return new TrialResult(trial, iteration, iteration * 1.5, 1.5, 1_700_000_000L + iteration,
                Map.of(metric, value), null);
    }

    /** Result with a given time_total_s, for schedulers on a continuous time attribute. */
    private static TrialResult timed(String trial, double seconds, double value) {
        return new TrialResult(trial, 1, seconds, seconds, 1_700_000_000L, Map.of("acc", value), null);
    }

    /** rf=2, grace=1, maxT=8: rungs at 1, 2 and 4. */
    private static AshaScheduler small(Mode mode) {
        AshaScheduler s = AshaScheduler.builder().metric("acc").mode(mode)
                .maxT(8).gracePeriod(1).reductionFactor(2).build();
        s.setDefaults(null, null);
        return s;
    }

    /**
     * Runs trials one after another (as with one concurrent trial) until the scheduler stops each,
     * returning the iteration at which each was stopped.
     */
    private static Map<String, Long> runSequentially(AshaScheduler s, Map<String, DoubleUnaryOperator> curves) {
        Map<String, Long> stoppedAt = new LinkedHashMap<>();
        curves.forEach((trial, curve) -> {
            s.onTrialAdd(trial);
            for (long t = 1; t <= 100; t++) {
                TrialResult r = result(trial, t, "acc", curve.applyAsDouble(t));
                if (s.onTrialResult(trial, r) == Decision.STOP) {
                    s.onTrialComplete(trial, r);
                    stoppedAt.put(trial, t);
                    return;
                }
            }
        });
        return stoppedAt;
    }

    private static Map<String, DoubleUnaryOperator> curves(double sign) {
        Map<String, DoubleUnaryOperator> c = new LinkedHashMap<>();
        c.put("q3", t -> sign * 3 * t);
        c.put("q1", t -> sign * 1 * t);
        c.put("plateau", t -> sign * 5 * Math.min(t, 2)); // good early, flat from t=2
        c.put("q5", t -> sign * 5 * t);
        c.put("q2", t -> sign * 2 * t);
        return c;
    }

    @Test
    void stopsBadTrialsAtTheirRungAndLetsTheBestRunToMaxT() {
        AshaScheduler s = small(Mode.MAX);
        assertArrayEquals(new double[] {1, 2, 4}, s.milestones(0));
        Map<String, Long> stoppedAt = runSequentially(s, curves(1));
        // q3 is alone at every rung; q1 is below q3's 3 at rung 1; the plateau passes rungs 1
        // (5 >= median 2 of {3,1}) and 2 (10 >= 6) but is below q3's 12 at rung 4; q5 beats every
        // cutoff; q2's 2 is below the median 4 of {3,1,5,5} at rung 1.
        assertEquals(Map.of("q3", 8L, "q1", 1L, "plateau", 4L, "q5", 8L, "q2", 1L), stoppedAt);
        assertEquals(5, s.numStopped());
        assertEquals("AsyncHyperBand: num_stopped=5", s.describe());
    }

    @Test
    void minModeMirrorsMaxMode() {
        AshaScheduler s = small(Mode.MIN);
        assertEquals(Map.of("q3", 8L, "q1", 1L, "plateau", 4L, "q5", 8L, "q2", 1L),
                runSequentially(s, curves(-1)));
        // The same negated curves under MAX: now q1 is best and the larger-quality trials are the bad ones.
        Map<String, Long> wrongWay = runSequentially(small(Mode.MAX), curves(-1));
        assertEquals(8L, wrongWay.get("q1"));
        assertEquals(1L, wrongWay.get("q5"));
    }

    @Test
    void concurrentTrialsAreComparedOnlyWithWhatOthersRecordedBefore() {
        // Four trials step together; at each step the best reports first: the others fall below
        // the cutoff as soon as rung 1 is reached.
        AshaScheduler bestFirst = small(Mode.MAX);
        List<Integer> qualities = List.of(4, 3, 2, 1);
        qualities.forEach(q -> bestFirst.onTrialAdd("q" + q));
        for (int q : qualities) {
            Decision d = bestFirst.onTrialResult("q" + q, result("q" + q, 1, "acc", q));
            assertEquals(q == 4 ? Decision.CONTINUE : Decision.STOP, d, "q" + q);
        }

        // Worst first: each trial is better than everything recorded before it, so all pass.
        AshaScheduler worstFirst = small(Mode.MAX);
        List<Integer> reversed = new ArrayList<>(qualities);
        java.util.Collections.reverse(reversed);
        reversed.forEach(q -> worstFirst.onTrialAdd("q" + q));
        for (long t = 1; t <= 8; t++) {
            for (int q : reversed) {
                Decision d = worstFirst.onTrialResult("q" + q, result("q" + q, t, "acc", q * t));
                assertEquals(t == 8 ? Decision.STOP : Decision.CONTINUE, d, "q" + q + " at " + t);
            }
        }
        assertEquals(4, worstFirst.numStopped());
    }

    @Test
    void everyTrialStopsAtMaxT() {
        AshaScheduler s = small(Mode.MAX);
        s.onTrialAdd("a");
        for (long t = 1; t < 8; t++) {
            assertEquals(Decision.CONTINUE, s.onTrialResult("a", result("a", t, "acc", t)));
        }
        assertEquals(Decision.STOP, s.onTrialResult("a", result("a", 8, "acc", 8)));

        // A continuous time attribute that jumps past maxT stops too.
        AshaScheduler timed = AshaScheduler.builder().timeAttr(TrialResult.TIME_TOTAL_S).metric("acc")
                .mode(Mode.MAX).maxT(60).gracePeriod(10).reductionFactor(3).build();
        timed.onTrialAdd("b");
        assertEquals(Decision.CONTINUE, timed.onTrialResult("b", timed("b", 59.9, 1)));
        assertEquals(Decision.STOP, timed.onTrialResult("b", timed("b", 61.25, 1)));
    }

    @Test
    void aJumpPastSeveralRungsRecordsAtEachOfThem() {
        AshaScheduler s = AshaScheduler.builder().timeAttr(TrialResult.TIME_TOTAL_S).metric("acc")
                .mode(Mode.MAX).maxT(8).reductionFactor(2).build();
        s.onTrialAdd("fast");
        s.onTrialAdd("slow");
        assertEquals(Decision.CONTINUE, s.onTrialResult("fast", timed("fast", 5, 10)));
        // "fast" now counts at rung 1 too, so "slow" is judged against it there.
        assertEquals(Decision.STOP, s.onTrialResult("slow", timed("slow", 1.2, 5)));
    }

    @Test
    void theLastResultOfACompletedTrialIsRecorded() {
        AshaScheduler s = AshaScheduler.builder().timeAttr(TrialResult.TIME_TOTAL_S).metric("acc")
                .mode(Mode.MAX).maxT(8).reductionFactor(2).build();
        s.onTrialAdd("a");
        assertEquals(Decision.CONTINUE, s.onTrialResult("a", timed("a", 0.5, 1)));
        s.onTrialComplete("a", timed("a", 3, 10)); // reached rungs 1 and 2 after its last judged result
        s.onTrialAdd("b");
        assertEquals(Decision.STOP, s.onTrialResult("b", timed("b", 1, 5)));
        assertThrows(IllegalStateException.class, () -> s.bracketOf("a"));
    }

    @Test
    void recordsOfRemovedOrFailedTrialsStayAsHistory() {
        AshaScheduler s = small(Mode.MAX);
        s.onTrialAdd("a");
        s.onTrialAdd("b");
        s.onTrialResult("a", result("a", 1, "acc", 0.9));
        s.onTrialResult("b", result("b", 1, "acc", 0.95));
        s.onTrialRemove("a");
        s.onTrialError("b");
        assertThrows(IllegalStateException.class, () -> s.onTrialResult("a", result("a", 2, "acc", 1)));
        s.onTrialAdd("c");
        assertEquals(Decision.STOP, s.onTrialResult("c", result("c", 1, "acc", 0.5)));
    }

    @Test
    void nanCountsAsTheWorstValue() {
        for (Mode mode : Mode.values()) {
            AshaScheduler s = small(mode);
            s.onTrialAdd("nan-first");
            s.onTrialAdd("good");
            s.onTrialAdd("nan-later");
            // Nothing recorded yet: even a NaN passes the first rung.
            assertEquals(Decision.CONTINUE, s.onTrialResult("nan-first", result("nan-first", 1, "acc", Double.NaN)));
            assertEquals(Decision.CONTINUE, s.onTrialResult("good", result("good", 1, "acc", 0.5)), mode.name());
            assertEquals(Decision.STOP, s.onTrialResult("nan-later", result("nan-later", 1, "acc", Double.NaN)),
                    mode.name());
        }
    }

    @Test
    void percentileInterpolatesLinearlyLikeNumpy() {
        assertEquals(2.5, AshaBracket.percentile(new double[] {4, 1, 3, 2}, 0.5), 1e-12);
        assertEquals(3.25, AshaBracket.percentile(new double[] {1, 2, 3, 4}, 0.75), 1e-12);
        assertEquals(7, AshaBracket.percentile(new double[] {7}, 0.75), 1e-12);
        assertEquals(Double.NEGATIVE_INFINITY,
                AshaBracket.percentile(new double[] {Double.NEGATIVE_INFINITY, 5}, 0.5));
        assertEquals(5, AshaBracket.percentile(new double[] {Double.NEGATIVE_INFINITY, 5, 5}, 0.75), 1e-12);
    }

    @Test
    void bracketsHaveFewerRungsAndAssignmentIsDeterministic() {
        AshaScheduler.Builder b = AshaScheduler.builder().metric("acc").mode(Mode.MAX)
                .maxT(8).gracePeriod(1).reductionFactor(2).brackets(3).seed(42);
        AshaScheduler s1 = b.build();
        AshaScheduler s2 = b.build();
        assertArrayEquals(new double[] {1, 2, 4}, s1.milestones(0));
        assertArrayEquals(new double[] {2, 4}, s1.milestones(1));
        assertArrayEquals(new double[] {4}, s1.milestones(2));

        int[] counts = new int[3];
        List<Integer> first = new ArrayList<>();
        List<Integer> second = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            s1.onTrialAdd("t" + i);
            s2.onTrialAdd("t" + i);
            first.add(s1.bracketOf("t" + i));
            second.add(s2.bracketOf("t" + i));
            counts[first.get(i)]++;
        }
        assertEquals(first, second);
        // Weights e^3 : e^2 : e^1, i.e. about 67% : 24% : 9%.
        assertTrue(counts[0] > counts[1] && counts[1] > counts[2] && counts[2] > 0,
                java.util.Arrays.toString(counts));

        s1.onTrialAdd("t0"); // adding again keeps the bracket
        assertEquals(first.get(0), s1.bracketOf("t0"));

        AshaScheduler other = b.seed(7).build();
        List<Integer> third = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            other.onTrialAdd("t" + i);
            third.add(other.bracketOf("t" + i));
        }
        assertNotEquals(first, third);
    }

    @Test
    void bracketsJudgeIndependently() {
        AshaScheduler s = AshaScheduler.builder().metric("acc").mode(Mode.MAX)
                .maxT(8).reductionFactor(2).brackets(2).seed(1).build();
        String in0 = null;
        String in1 = null;
        String another0 = null;
        for (int i = 0; in0 == null || in1 == null || another0 == null; i++) {
            String id = "t" + i;
            s.onTrialAdd(id);
            if (s.bracketOf(id) == 1 && in1 == null) {
                in1 = id;
            } else if (s.bracketOf(id) == 0) {
                if (in0 == null) {
                    in0 = id;
                } else if (another0 == null) {
                    another0 = id;
                }
            }
        }
        s.onTrialResult(in0, result(in0, 1, "acc", 10));
        // Bracket 1 has no rung at 1, and rung 2 of bracket 1 has seen nothing.
        assertEquals(Decision.CONTINUE, s.onTrialResult(in1, result(in1, 1, "acc", 1)));
        assertEquals(Decision.CONTINUE, s.onTrialResult(in1, result(in1, 2, "acc", 1)));
        assertEquals(Decision.STOP, s.onTrialResult(another0, result(another0, 1, "acc", 1)));
    }

    @Test
    void defaultsAreRays() {
        AshaScheduler s = AshaScheduler.builder().build();
        assertArrayEquals(new double[] {1, 4, 16, 64}, s.milestones(0));
        assertNull(s.metric());
        assertTrue(s.toString().contains("time_attr=training_iteration"), s.toString());
    }

    @Test
    void invalidSettingsAreRejectedWithTheirName() {
        assertMessage(() -> AshaScheduler.builder().gracePeriod(0).build(), "gracePeriod");
        assertMessage(() -> AshaScheduler.builder().reductionFactor(1).build(), "reductionFactor");
        assertMessage(() -> AshaScheduler.builder().reductionFactor(Double.NaN).build(), "reductionFactor");
        assertMessage(() -> AshaScheduler.builder().gracePeriod(10).maxT(5).build(), "maxT");
        assertMessage(() -> AshaScheduler.builder().brackets(0).build(), "brackets");
        assertMessage(() -> AshaScheduler.builder().timeAttr(" ").build(), "timeAttr");
    }

    @Test
    void metricAndModeComeFromTheExperimentUnlessSetOnTheBuilder() {
        AshaScheduler none = AshaScheduler.builder().build();
        assertMessage(() -> none.setDefaults(null, null), "no metric and no mode");
        assertMessage(() -> AshaScheduler.builder().build().setDefaults("loss", null), "no mode");
        assertMessage(() -> AshaScheduler.builder().mode(Mode.MIN).build().setDefaults(null, Mode.MAX), "no metric");

        AshaScheduler fromExperiment = AshaScheduler.builder().build();
        fromExperiment.setDefaults("loss", Mode.MIN);
        assertEquals("loss", fromExperiment.metric());
        assertEquals(Mode.MIN, fromExperiment.mode());

        AshaScheduler own = AshaScheduler.builder().metric("acc").mode(Mode.MAX).build();
        own.setDefaults("loss", Mode.MIN);
        assertEquals("acc", own.metric());
        assertEquals(Mode.MAX, own.mode());

        AshaScheduler unset = AshaScheduler.builder().build();
        unset.onTrialAdd("a");
        assertThrows(IllegalStateException.class, () -> unset.onTrialResult("a", result("a", 1, "loss", 1)));
    }

    @Test
    void resultsLackingTheMetricOrTimeAttributeAreErrorsNamingTheKey() {
        AshaScheduler s = AshaScheduler.builder().metric("val_loss").mode(Mode.MIN).build();
        s.onTrialAdd("a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.onTrialResult("a", result("a", 1, "train_loss", 0.3)));
        assertTrue(e.getMessage().contains("'val_loss'"), e.getMessage());
        assertTrue(e.getMessage().contains("train_loss") && e.getMessage().contains("training_iteration"),
                e.getMessage());

        AshaScheduler byEpoch = AshaScheduler.builder().timeAttr("epoch").metric("val_loss").mode(Mode.MIN).build();
        byEpoch.onTrialAdd("a");
        e = assertThrows(IllegalArgumentException.class,
                () -> byEpoch.onTrialResult("a", result("a", 1, "val_loss", 0.3)));
        assertTrue(e.getMessage().contains("'epoch'"), e.getMessage());
    }

    @Test
    void unknownTrialsAreAnError() {
        AshaScheduler s = small(Mode.MAX);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> s.onTrialResult("ghost", result("ghost", 1, "acc", 1)));
        assertTrue(e.getMessage().contains("ghost"), e.getMessage());
    }

    @Test
    void describeBracketsShowsCutoffsInMetricUnits() {
        AshaScheduler s = small(Mode.MIN);
        s.onTrialAdd("a");
        s.onTrialResult("a", result("a", 1, "acc", 0.25));
        String text = s.describeBrackets();
        assertTrue(text.startsWith("Bracket 0: at 1.000: 0.2500 (1 recorded)"), text);
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
