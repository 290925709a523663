package dev.raylightning.tune.schedulers;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FifoSchedulerTest {

    @Test
    void neverStopsWhateverTheResults() {
        FifoScheduler fifo = new FifoScheduler();
        fifo.setDefaults(null, null); // needs no metric
        fifo.onTrialAdd("a");
        for (long it = 1; it <= 1000; it++) {
            double loss = it % 7 == 0 ? Double.NaN : 1000.0 / it;
            TrialResult r = new TrialResult("a", it, it, 1, 0, Map.of("loss", loss), null);
            assertEquals(TrialScheduler.Decision.CONTINUE, fifo.onTrialResult("a", r));
        }
        // Results without any metric are fine too.
        assertEquals(TrialScheduler.Decision.CONTINUE,
                fifo.onTrialResult("b", new TrialResult("b", 1, 1, 1, 0, Map.of(), null)));
        fifo.onTrialComplete("a", null);
        fifo.onTrialError("b");
        fifo.onTrialRemove("c");
        assertEquals("FIFO", fifo.describe());
    }

    @Test
    void setDefaultsAcceptsAnything() {
        new FifoScheduler().setDefaults("loss", Mode.MIN);
    }
}
