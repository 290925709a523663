package dev.raylightning.strategies.timeline;

import dev.raylightning.core.collective.WireFormat;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The recorder's bounds: what it keeps at its cap, and that kept events nest in their steps. */
class TimelineRecorderTest {

    /** One step with {@code buffers} fusion buffers: a wait, then copy in, all-reduce, copy out each. */
    private static void step(TimelineRecorder r, int buffers) {
        r.step(() -> {
            long t = System.nanoTime();
            r.record(TimelinePhase.WAIT, t, System.nanoTime(), 0, 0);
            for (int b = 0; b < buffers; b++) {
                long in = System.nanoTime();
                r.copiedIn(2, 64, in, System.nanoTime());
                long reduce = System.nanoTime();
                r.record(TimelinePhase.ALLREDUCE, reduce, System.nanoTime(), 2, 64);
                long out = System.nanoTime();
                r.copiedOut(2, 64, out, System.nanoTime());
            }
        });
    }

    @Test
    void aStepThatDoesNotFitIsDroppedWholeAndCounted() {
        // 1 + 1 + 3 x 2 = 8 events a step: 20 hold two steps, the third's first 4 are given back
        TimelineRecorder r = new TimelineRecorder(3, "AVG", WireFormat.FLOAT32, 20);
        for (int s = 0; s < 4; s++) {
            step(r, 2);
        }
        TimelineEvents e = r.events();
        assertEquals(16, e.size());
        assertEquals(2, e.steps());
        assertEquals(16, e.dropped(), "the third and fourth steps, 8 events each");
        assertEquals(3, e.rank());
        int stepAt = -1;
        for (int i = 0; i < e.size(); i++) {
            if (e.phase(i) == TimelinePhase.STEP) {
                stepAt = i;
                continue;
            }
            assertTrue(stepAt >= 0 && e.startMicros(i) >= e.startMicros(stepAt) && e.endMicros(i) <= e.endMicros(stepAt),
                    "event " + i + " nests inside the step before it");
            assertTrue(e.endMicros(i) >= e.startMicros(i));
        }
        assertEquals(TimelinePhase.COPY_OUT, e.phase(15));
    }

    @Test
    void aFailingStepIsStillClosed() {
        TimelineRecorder r = new TimelineRecorder(0, "SUM", WireFormat.FLOAT16, 100);
        assertThrows(IllegalStateException.class, () -> r.step(() -> {
            throw new IllegalStateException("peer lost");
        }));
        step(r, 1);
        TimelineEvents e = r.events();
        assertEquals(2, e.steps());
        assertTrue(e.endMicros(0) >= e.startMicros(0) && e.startMicros(1) >= e.endMicros(0));
        assertEquals(WireFormat.FLOAT16, e.wire());
        assertEquals("SUM", e.reduceOp());
    }
}
