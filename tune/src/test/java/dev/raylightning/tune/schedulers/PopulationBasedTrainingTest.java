package dev.raylightning.tune.schedulers;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.schedulers.TrialScheduler.Decision;
import dev.raylightning.tune.search.SearchSpace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PopulationBasedTrainingTest {

    private static TrialResult result(String trial, long t, double score, boolean checkpoint) {
        return new TrialResult(trial, t, t, 1, 1_700_000_000L, Map.of("score", score),
                checkpoint ? "checkpoint_00000" + t + "/state" : null);
    }

    private static PopulationBasedTraining pbt(double resample) {
        PopulationBasedTraining s = PopulationBasedTraining.builder().perturbationInterval(2).quantileFraction(0.25)
                .resampleProbability(resample).mutate("rate", List.of(1, 2, 3, 4))
                .mutate("opt.lr", SearchSpace.uniform(0.01, 0.1)).seed(3).build();
        s.setDefaults("score", Mode.MAX);
        for (int i = 0; i < 4; i++) {
            s.onTrialAdd("t" + i, TrialConfig.of(Map.of("rate", i + 1, "opt", Map.of("lr", 0.05))));
        }
        return s;
    }

    @Test
    void theBottomTrialExploitsATopTrialAtItsPerturbationPoint() {
        PopulationBasedTraining s = pbt(0);
        for (int i = 0; i < 4; i++) {
            assertEquals(Decision.CONTINUE, s.onTrialResult("t" + i, result("t" + i, 1, i, true)), "before the interval");
        }
        for (int i = 3; i >= 1; i--) {
            assertEquals(Decision.CONTINUE, s.onTrialResult("t" + i, result("t" + i, 2, 10 * i, true)),
                    "trial " + i + " is not in the bottom quarter");
        }
        assertEquals(Decision.EXPLOIT, s.onTrialResult("t0", result("t0", 2, 0.5, true)));
        TrialScheduler.Exploit e = s.exploitFor("t0").orElseThrow();
        assertEquals("t3", e.sourceTrialId(), "the top quarter of four is the best trial");
        // no resampling: the rate moves to a neighbour of the source's 4, lr is scaled by 1.2 or 0.8
        assertTrue(List.of(3L, 4L).contains(e.newConfig().get("rate")), e.newConfig().toString());
        double lr = e.newConfig().getDouble("opt.lr");
        assertTrue(Math.abs(lr - 0.06) < 1e-12 || Math.abs(lr - 0.04) < 1e-12, "lr " + lr);
        assertTrue(s.exploitFor("t0").isEmpty(), "an exploit is handed over once");
        assertEquals(1, s.numPerturbations());
    }

    @Test
    void withoutCheckpointsInTheTopQuantileNothingIsExploited() {
        PopulationBasedTraining s = pbt(0);
        for (int i = 0; i < 4; i++) {
            s.onTrialResult("t" + i, result("t" + i, 1, i, false));
        }
        assertEquals(Decision.CONTINUE, s.onTrialResult("t0", result("t0", 2, -1, false)));
        assertEquals(0, s.numPerturbations());
    }

    @Test
    void resamplingDrawsFromTheMutationsAndValidationNamesTheProblem() {
        PopulationBasedTraining s = pbt(1);
        for (int i = 0; i < 20; i++) {
            TrialConfig c = s.explore(TrialConfig.of(Map.of("rate", 1, "opt", Map.of("lr", 0.05))));
            assertTrue(List.of(1, 2, 3, 4).contains(((Number) c.get("rate")).intValue()));
            double lr = c.getDouble("opt.lr");
            assertTrue(lr >= 0.01 && lr < 0.1, "lr " + lr);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PopulationBasedTraining.builder().mutate("lr", "fast"));
        assertTrue(e.getMessage().contains("'lr'"), e.getMessage());
        PopulationBasedTraining noMetric = PopulationBasedTraining.builder().mutate("lr", List.of(1)).build();
        assertThrows(IllegalArgumentException.class, () -> noMetric.setDefaults(null, null));
    }
}
