package dev.raylightning.strategies.launcher;

import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.strategy.DriverLink;

import java.util.ArrayList;
import java.util.List;

/**
 * Rank zero's progress events, waiting for the driver's next drain. Batch events are coalesced
 * (only the latest is kept between drains): the driver needs the current position, not every
 * step, while every log row, epoch event and callback message is kept in order. A drain waits
 * for something worth sending, so the driver holds one outstanding call instead of polling. It
 * also holds the driver's request that the run end early for a larger group.
 */
final class EventQueue implements DriverLink {

    /** Batch-only updates are sent at most this often (the progress bar's refresh rate). */
    static final long BATCH_INTERVAL_MILLIS = 200;

    private final List<ProgressEvent> pending = new ArrayList<>();
    private boolean closed;
    private boolean urgent;
    private long lastDrainNanos = System.nanoTime();
    private volatile boolean growRequested;

    @Override
    public synchronized void onProgress(ProgressEvent e) {
        if (closed) {
            return;
        }
        int last = pending.size() - 1;
        if (e.kind() == ProgressEvent.Kind.BATCH_END && last >= 0
                && pending.get(last).kind() == ProgressEvent.Kind.BATCH_END) {
            pending.set(last, e);
        } else {
            pending.add(e);
        }
        if (e.kind() != ProgressEvent.Kind.BATCH_END) {
            urgent = true;
        }
        notifyAll();
    }

    /**
     * Waits up to {@code maxWaitMillis} until there is something to send (any non-batch event,
     * a batch update older than {@link #BATCH_INTERVAL_MILLIS}, or the end of the run), then
     * returns the events since the last call, in order; empty when none.
     */
    synchronized List<ProgressEvent> drain(long maxWaitMillis) {
        long deadline = System.nanoTime() + maxWaitMillis * 1_000_000L;
        try {
            while (!closed && !urgent) {
                long now = System.nanoTime();
                long batchDue = lastDrainNanos + BATCH_INTERVAL_MILLIS * 1_000_000L;
                if (!pending.isEmpty() && now >= batchDue) {
                    break;
                }
                long until = pending.isEmpty() ? deadline : Math.min(deadline, batchDue);
                if (now >= deadline) {
                    break;
                }
                long waitMillis = Math.max(1, (until - now) / 1_000_000L);
                wait(waitMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lastDrainNanos = System.nanoTime();
        urgent = false;
        List<ProgressEvent> out = new ArrayList<>(pending);
        pending.clear();
        return out;
    }

    /** Stops taking events (the run is over); queued ones can still be drained. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }

    @Override
    public boolean growRequested() {
        return growRequested;
    }

    /** The driver asks the run to end at its next epoch boundary, to continue on more workers. */
    void requestGrow() {
        growRequested = true;
    }

    /** Allows events again for the next run of this worker. */
    synchronized void reopen() {
        growRequested = false;
        closed = false;
        urgent = false;
        pending.clear();
    }
}
