package dev.raylightning.tune.execution;

import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;

/**
 * How a trial's training function ended, as text so that exception classes the controller lacks
 * cannot break the report.
 */
record TrialOutcome(String errorType, String errorMessage, String errorStack) implements Serializable {

    static TrialOutcome success() {
        return new TrialOutcome(null, null, null);
    }

    static TrialOutcome failure(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return new TrialOutcome(t.getClass().getName(), t.getMessage(), sw.toString());
    }

    boolean failed() {
        return errorType != null;
    }

    /** "Type: message", the line the progress table and analysis show. */
    String summary() {
        return errorType + (errorMessage == null ? "" : ": " + errorMessage);
    }
}
