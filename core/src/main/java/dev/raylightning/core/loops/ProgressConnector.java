package dev.raylightning.core.loops;

import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.progress.ProgressListener;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Progress events of global rank zero: to the listening callbacks (the progress bar) in a local
 * run, to a launcher's forwarder on a worker; and, on the driver, the streamed events of the
 * workers back to listeners, loggers and callbacks ({@link #onRemote}).
 */
final class ProgressConnector {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ProgressConnector.class);

    /** The message key of recovery snapshots. */
    static final String RECOVERY_KEY = "recovery_snapshot";

    private final TrainerContext ctx;
    /** Callbacks that listen to progress, plus a worker's forwarder; empty lists cost nothing per step. */
    private final List<ProgressListener> listeners = new ArrayList<>();
    /** In a recoverable fit on a worker: events are numbered, from {@link #nextSequence}. */
    private boolean numbered;
    private long nextSequence;
    /** In a restarted fit before the loop reaches the snapshot's position: nothing goes out. */
    private boolean held;

    ProgressConnector(TrainerContext ctx) {
        this.ctx = ctx;
        for (Callback cb : ctx.callbacks) {
            if (cb instanceof ProgressListener pl) {
                listeners.add(pl);
            }
        }
    }

    void addListener(ProgressListener listener) {
        listeners.add(listener);
    }

    /**
     * Numbers this worker's events from zero ({@code on}), the stream a driver deduplicates after a
     * restart; {@code held} keeps everything back until {@link #continueNumbering}.
     */
    void numberEvents(boolean on, boolean held) {
        numbered = on;
        nextSequence = 0;
        this.held = held;
    }

    /** Continues a lost fit's numbering at {@code sequence}, and lets events out again. */
    void continueNumbering(long sequence) {
        nextSequence = sequence;
        held = false;
    }

    /** The number the next event gets. */
    long nextSequence() {
        return nextSequence;
    }

    /** An event of rank zero at the current position. */
    void emit(ProgressEvent.Kind kind, int batchIdx, double loss, Map<String, Double> metrics) {
        if (listeners.isEmpty() || !ctx.strategy.isGlobalZero() || held) {
            return;
        }
        notify(at(kind, batchIdx, loss, metrics, null, numbered ? nextSequence++ : -1));
    }

    /** Rank zero's recovery snapshot, to the driver (outside the numbered stream). */
    void sendSnapshot(RecoverySnapshot snapshot) {
        notify(at(ProgressEvent.Kind.RECOVERY_SNAPSHOT, -1, Double.NaN, Map.of(),
                new ProgressEvent.CallbackMessage(RECOVERY_KEY, snapshot), -1));
    }

    /** An event at the loop's current position. */
    private ProgressEvent at(ProgressEvent.Kind kind, int batchIdx, double loss, Map<String, Double> metrics,
            ProgressEvent.CallbackMessage message, long sequence) {
        return new ProgressEvent(kind, ctx.state.currentEpoch, batchIdx, ctx.state.numTrainingBatches,
                ctx.config.maxEpochs(), ctx.state.globalStep, loss, metrics, message, sequence);
    }

    void notify(ProgressEvent e) {
        for (ProgressListener pl : listeners) {
            pl.onProgress(e);
        }
    }

    /** Rank zero's streamed event, on the driver: log rows go to loggers, messages to callbacks, the rest to listeners. */
    void onRemote(ProgressEvent e) {
        switch (e.kind()) {
            case CALLBACK_MESSAGE -> deliver(e.message());
            case LOG_ROW -> ctx.logging.write(e.metrics(), e.globalStep());
            default -> notify(e);
        }
    }

    void sendToDriver(String callbackKey, Serializable payload) {
        if (!ctx.strategy.isGlobalZero() || held) {
            return;
        }
        ProgressEvent.CallbackMessage message = new ProgressEvent.CallbackMessage(callbackKey, payload);
        if (!ctx.workerSide) {
            deliver(message);
            return;
        }
        notify(at(ProgressEvent.Kind.CALLBACK_MESSAGE, -1, Double.NaN, Map.of(), message,
                numbered ? nextSequence++ : -1));
    }

    private void deliver(ProgressEvent.CallbackMessage message) {
        for (Callback cb : ctx.callbacks) {
            if (cb.stateKey().equals(message.callbackKey())) {
                cb.onDriverMessage(ctx, message.payload());
                return;
            }
        }
        LOG.warn("A worker's callback {} sent a message, but the driver's trainer has no callback with that key",
                message.callbackKey());
    }
}
