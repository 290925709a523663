package dev.raylightning.core.progress;


import java.io.Serializable;
import java.util.Map;

/**
 * A progress update from the training loop. Local runs deliver these straight to
 * {@link ProgressListener}s; distributed runs stream rank zero's to the driver, so the driver's
 * progress bar and loggers follow a run happening in other processes.
 *
 * @param kind what happened
 * @param epoch the current epoch
 * @param batchIdx the batch just finished (BATCH_END), else -1
 * @param numBatches training batches per epoch
 * @param maxEpochs the trainer's epoch limit (-1 for none)
 * @param globalStep optimizer steps taken
 * @param loss the last training loss (NaN when not a batch event)
 * @param metrics progress-bar metrics, or the logger row for LOG_ROW
 * @param message a rank-zero callback's message to its driver-side twin (CALLBACK_MESSAGE), or a
 *     recovery snapshot (RECOVERY_SNAPSHOT), else null
 * @param sequence the event's place in a worker's stream during a fit that can be recovered
 *     (a fit restarted from a snapshot sends the same numbers again, so the driver drops what it
 *     already had), else -1
 */
public record ProgressEvent(Kind kind, int epoch, int batchIdx, int numBatches, int maxEpochs, long globalStep,
        double loss, Map<String, Double> metrics, CallbackMessage message, long sequence) implements Serializable {

    /** The kinds of progress updates. */
    public enum Kind {
        /** A training epoch starts. */
        EPOCH_START,
        /** A training batch finished. */
        BATCH_END,
        /** A validation run inside fit finished. */
        VALIDATION_END,
        /** A training epoch finished. */
        EPOCH_END,
        /** A row for the loggers (metrics by name at {@code globalStep}). */
        LOG_ROW,
        /** The run ended (successfully or not). */
        RUN_END,
        /** A callback on rank zero sent its driver-side twin a message ({@code TrainerView.sendToDriver}). */
        CALLBACK_MESSAGE,
        /** Rank zero's state at a step boundary, for the driver to restart a failed fit from (in {@code message}). */
        RECOVERY_SNAPSHOT
    }

    public ProgressEvent {
        metrics = Map.copyOf(metrics);
    }

    /** An event outside a recoverable fit's numbered stream. */
    public ProgressEvent(Kind kind, int epoch, int batchIdx, int numBatches, int maxEpochs, long globalStep,
            double loss, Map<String, Double> metrics, CallbackMessage message) {
        this(kind, epoch, batchIdx, numBatches, maxEpochs, globalStep, loss, metrics, message, -1);
    }

    /** An event without a callback message. */
    public ProgressEvent(Kind kind, int epoch, int batchIdx, int numBatches, int maxEpochs, long globalStep,
            double loss, Map<String, Double> metrics) {
        this(kind, epoch, batchIdx, numBatches, maxEpochs, globalStep, loss, metrics, null, -1);
    }

    /**
     * A payload from a callback on rank zero to the same callback (by its {@code stateKey()})
     * on the driver.
     */
    public record CallbackMessage(String callbackKey, Serializable payload) implements Serializable {}
}
