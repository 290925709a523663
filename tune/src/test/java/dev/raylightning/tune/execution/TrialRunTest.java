package dev.raylightning.tune.execution;

import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialStatus;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A trial's status moves only along Ray Tune's lifecycle. */
class TrialRunTest {

    private static TrialRun trial() {
        return new TrialRun("t_00000", TrialConfig.of(Map.of("lr", 0.1)));
    }

    @Test
    void legalPaths() {
        TrialRun t = trial();
        t.moveTo(TrialStatus.RUNNING);
        t.moveTo(TrialStatus.PENDING); // a retry
        t.moveTo(TrialStatus.RUNNING);
        t.moveTo(TrialStatus.TERMINATED);
        assertTrue(t.status().isFinished());

        TrialRun failed = trial();
        failed.moveTo(TrialStatus.RUNNING);
        failed.fail("java.lang.IllegalStateException: boom");
        assertEquals(TrialStatus.ERROR, failed.status());
        assertEquals("java.lang.IllegalStateException: boom", failed.snapshot().errorMessage());

        TrialRun couldNotStart = trial();
        couldNotStart.fail("java.lang.IllegalStateException: no placement"); // e.g. a placement timeout
        assertEquals(TrialStatus.ERROR, couldNotStart.status());

        TrialRun neverStarted = trial();
        neverStarted.moveTo(TrialStatus.TERMINATED); // the experiment stopped first
        assertEquals(TrialStatus.TERMINATED, neverStarted.status());
    }

    @Test
    void illegalMovesFailLoudlyAndChangeNothing() {
        TrialRun pending = trial();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pending.moveTo(TrialStatus.PENDING));
        assertTrue(e.getMessage().contains("PENDING to PENDING"), e.getMessage());
        assertEquals(TrialStatus.PENDING, pending.status());

        TrialRun done = trial();
        done.moveTo(TrialStatus.RUNNING);
        done.moveTo(TrialStatus.TERMINATED);
        for (TrialStatus s : TrialStatus.values()) {
            assertThrows(IllegalStateException.class, () -> done.moveTo(s), "TERMINATED is final, not " + s);
        }
        assertEquals(TrialStatus.TERMINATED, done.status());
    }
}
