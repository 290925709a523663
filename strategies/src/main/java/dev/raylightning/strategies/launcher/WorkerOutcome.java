package dev.raylightning.strategies.launcher;

import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;

/**
 * What a worker hands back: its task's result, or the error it died of, as text so that
 * exception classes the driver lacks cannot break the report.
 */
record WorkerOutcome(Serializable result, String errorType, String errorMessage, String errorStack)
        implements Serializable {

    /** The error type of a worker whose process died (or was killed) before it could report. */
    static final String WORKER_DIED = "WorkerDied";

    static WorkerOutcome success(Serializable result) {
        return new WorkerOutcome(result, null, null, null);
    }

    static WorkerOutcome failure(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return new WorkerOutcome(null, t.getClass().getName(), t.getMessage(), sw.toString());
    }

    static WorkerOutcome failure(String type, String message, String stack) {
        return new WorkerOutcome(null, type, message, stack);
    }

    boolean failed() {
        return errorType != null;
    }
}
