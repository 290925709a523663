package dev.raylightning.strategies.launcher;

import dev.raylightning.core.callbacks.ProgressEvent;
import dev.raylightning.core.callbacks.ProgressListener;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Rank zero's progress events, waiting for the driver's next poll. Batch events are coalesced
 * (only the latest is kept between polls): the driver needs the current position, not every
 * step, while every log row and epoch event is kept in order.
 */
final class EventQueue implements ProgressListener {

    private static final byte[] EMPTY = new byte[0];

    private final List<ProgressEvent> pending = new ArrayList<>();
    private boolean closed;

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
    }

    /** The events since the last call, serialized as a list; an empty array when none. */
    synchronized byte[] drain() {
        if (pending.isEmpty()) {
            return EMPTY;
        }
        ArrayList<ProgressEvent> out = new ArrayList<>(pending);
        pending.clear();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
            o.writeObject(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Stops taking events (the run is over); queued ones can still be drained. */
    synchronized void close() {
        closed = true;
    }

    /** Allows events again for the next run of this worker. */
    synchronized void reopen() {
        closed = false;
        pending.clear();
    }
}
