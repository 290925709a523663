package dev.raylightning.strategies.launcher;

import dev.raylightning.core.progress.ProgressEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The long-poll queue between rank zero and the driver. */
class EventQueueTest {

    private static ProgressEvent event(ProgressEvent.Kind kind, int batch) {
        return new ProgressEvent(kind, 0, batch, 10, 1, batch, 0.5, Map.of());
    }

    @Test
    void aWaitingDrainReturnsAsSoonAsAnImportantEventArrives() throws Exception {
        EventQueue q = new EventQueue();
        CompletableFuture<List<ProgressEvent>> drain = CompletableFuture.supplyAsync(() -> q.drain(10_000));
        Thread.sleep(100);
        assertFalse(drain.isDone(), "nothing to send yet");
        long start = System.nanoTime();
        q.onProgress(event(ProgressEvent.Kind.LOG_ROW, 3));
        List<ProgressEvent> got = drain.get(5, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "woken by the event, not the timeout");
        assertEquals(ProgressEvent.Kind.LOG_ROW, got.get(0).kind());
    }

    @Test
    void batchPositionsAreCoalescedAndSentAtTheRefreshRate() throws Exception {
        EventQueue q = new EventQueue();
        q.drain(1); // starts the batch interval now
        for (int i = 0; i < 50; i++) {
            q.onProgress(event(ProgressEvent.Kind.BATCH_END, i));
        }
        long start = System.nanoTime();
        List<ProgressEvent> got = q.drain(10_000);
        long waited = System.nanoTime() - start;
        assertEquals(1, got.size(), "only the latest batch position is kept");
        assertEquals(49, got.get(0).batchIdx());
        assertTrue(waited < TimeUnit.SECONDS.toNanos(2), "batch updates wait at most the refresh interval");
    }

    @Test
    void anIdleDrainTimesOutEmptyAndAClosedQueueAnswersAtOnce() throws Exception {
        EventQueue q = new EventQueue();
        long start = System.nanoTime();
        assertEquals(0, q.drain(300).size());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250), "waited for something to send");

        q.onProgress(event(ProgressEvent.Kind.EPOCH_END, -1));
        q.close();
        start = System.nanoTime();
        assertEquals(1, q.drain(10_000).size(), "queued events survive close");
        assertEquals(0, q.drain(10_000).size());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "a closed queue never waits");
    }
}
