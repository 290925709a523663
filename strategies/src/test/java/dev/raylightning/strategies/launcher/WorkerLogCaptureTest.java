package dev.raylightning.strategies.launcher;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The worker-side buffer of warnings: repeats counted, bounded, drops reported once. */
class WorkerLogCaptureTest {

    private static WorkerLogLine warn(String message) {
        return new WorkerLogLine("WARN", "x.Y", message, 1);
    }

    @Test
    void repeatsInARowAreOneLineWithACount() {
        WorkerLogCapture c = new WorkerLogCapture();
        c.add(warn("a"));
        c.add(warn("a"));
        c.add(warn("b"));
        c.add(warn("a"));
        assertEquals(List.of(new WorkerLogLine("WARN", "x.Y", "a", 2), warn("b"), warn("a")), c.drain());
        assertEquals(List.of(), c.drain(), "a drain empties the buffer");
    }

    @Test
    void beyondTheBoundLinesAreCountedAndTheCountIsOneLine() {
        WorkerLogCapture c = new WorkerLogCapture();
        for (int i = 0; i < WorkerLogCapture.MAX_PENDING + 30; i++) {
            c.add(warn("line " + i));
        }
        c.add(warn("line " + (WorkerLogCapture.MAX_PENDING - 1))); // equals the last kept line, but not in a row
        List<WorkerLogLine> got = c.drain();
        assertEquals(WorkerLogCapture.MAX_PENDING + 1, got.size());
        assertEquals(1, got.get(WorkerLogCapture.MAX_PENDING - 1).repeats());
        assertTrue(got.get(WorkerLogCapture.MAX_PENDING).message().startsWith("31 more warnings and errors"),
                got.get(WorkerLogCapture.MAX_PENDING).message());
        c.add(warn("after"));
        assertEquals(List.of(warn("after")), c.drain(), "the count starts again after a drain");
    }
}
