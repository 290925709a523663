package dev.raylightning.strategies.launcher;

/**
 * A Ray worker failed: user code threw, the worker process died, or it stopped answering (only
 * broken collectives came back from its peers). Names the rank and carries the reported exception's
 * type, message and stack trace (as text: the driver may lack the class).
 */
public final class RayWorkerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int rank;
    private final String workerErrorType;
    private final String workerErrorMessage;
    private final String workerStackTrace;
    private final String nodeId;

    RayWorkerException(int rank, String nodeId, String type, String workerMessage, String message, String stack) {
        super(message);
        this.rank = rank;
        this.nodeId = nodeId;
        this.workerErrorType = type;
        this.workerErrorMessage = workerMessage;
        this.workerStackTrace = stack;
    }

    /** The global rank that failed first, or that stopped answering. */
    public int rank() {
        return rank;
    }

    /** The id of the Ray node the rank ran on, when known. */
    public java.util.Optional<String> nodeId() {
        return java.util.Optional.ofNullable(nodeId);
    }

    /** The fully qualified class name of the worker's exception ("WorkerDied" when the process died). */
    public String workerErrorType() {
        return workerErrorType;
    }

    public String workerErrorMessage() {
        return workerErrorMessage;
    }

    /** The worker's stack trace, as printed there. */
    public String workerStackTrace() {
        return workerStackTrace;
    }
}
