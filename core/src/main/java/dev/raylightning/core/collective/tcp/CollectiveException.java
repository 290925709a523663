package dev.raylightning.core.collective.tcp;

/**
 * A collective of a {@link TcpRingProcessGroup} failed, or the ring could not be built. The
 * message names the operation and the rank held responsible (with its {@code host:port}); once
 * thrown, the group is unusable and every later call throws again.
 */
public class CollectiveException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong with the peer. */
    public enum Reason {
        /** The peer closed its connection or its process died. */
        CLOSED,
        /** The peer made no progress within the timeout. */
        TIMEOUT,
        /** The peer called a different collective (another op, size, root or order). */
        MISMATCH,
        /** The peer refused the handshake (another group, rank or byte order). */
        REJECTED,
        /** The peer gave up on its own (interrupted, closed locally, local error). */
        ABORTED,
        /** The peer sent a value this rank refuses, such as a length beyond what the call expects. */
        INVALID
    }

    private final String operation;
    private final int peerRank;
    private final Reason reason;

    public CollectiveException(String message, String operation, int peerRank, Reason reason, Throwable cause) {
        super(message, cause);
        this.operation = operation;
        this.peerRank = peerRank;
        this.reason = reason;
    }

    /** The collective that failed, e.g. {@code allReduce#12}, or {@code connect}. */
    public String operation() {
        return operation;
    }

    /** The rank held responsible; this rank itself when it aborted on its own. */
    public int peerRank() {
        return peerRank;
    }

    public Reason reason() {
        return reason;
    }
}
