package dev.raylightning.strategies.launcher;

import dev.raylightning.core.RunResult;

import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;

/**
 * What a worker hands back: its result (and the bytes of the best checkpoint, so the driver can
 * load it even when the worker ran on another node), or the error it died of, as text so that
 * exception classes the driver lacks cannot break the report.
 */
record WorkerOutcome(RunResult result, BestCheckpoint bestCheckpoint, String errorType, String errorMessage,
        String errorStack) implements Serializable {

    static WorkerOutcome success(RunResult result, BestCheckpoint best) {
        return new WorkerOutcome(result, best, null, null, null);
    }

    static WorkerOutcome failure(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return new WorkerOutcome(null, null, t.getClass().getName(), t.getMessage(), sw.toString());
    }

    static WorkerOutcome failure(String type, String message, String stack) {
        return new WorkerOutcome(null, null, type, message, stack);
    }

    boolean failed() {
        return errorType != null;
    }
}
