package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.util.List;
import java.util.Locale;

/**
 * Why a group failed, as this rank knows it.
 *
 * @param origin the rank held responsible
 * @param reason what happened to it
 * @param detail words for the message ("closed its connection", ...)
 * @param reporter the rank whose notice told us; this rank when detected here
 * @param suspect true for timeouts, which are guesses: a rank that timed out waiting for a
 *     neighbour cannot tell a stalled neighbour from one that waits on someone else. The
 *     neighbour's own notice (or a later one from the neighbour that reported it) replaces it
 * @param cause the local exception behind it, if any
 */
record Failure(int origin, Reason reason, String detail, int reporter, boolean suspect, Throwable cause) {

    static Failure detected(int origin, Reason reason, String detail, int self, Throwable cause) {
        return new Failure(origin, reason, detail, self, false, cause);
    }

    static Failure suspected(int origin, String detail, int self) {
        return new Failure(origin, Reason.TIMEOUT, detail, self, true, null);
    }

    static Failure reported(int origin, Reason reason, int reporter) {
        return new Failure(origin, reason, describe(reason), reporter, reason == Reason.TIMEOUT, null);
    }

    /** The neighbour this failure came through: the suspect itself, or the reporter. */
    int via(int self) {
        return reporter == self ? origin : reporter;
    }

    static String describe(Reason reason) {
        return switch (reason) {
            case CLOSED -> "closed its connection";
            case TIMEOUT -> "stopped making progress (timeout)";
            case MISMATCH -> "called a different collective";
            case REJECTED -> "rejected the handshake";
            case ABORTED -> "aborted";
            case INVALID -> "sent something this rank refuses";
        };
    }

    /** The exception that tells the caller of {@code operation} on rank {@code self} about this failure. */
    CollectiveException toException(int self, List<Endpoint> eps, String operation) {
        String who = (origin == self ? "this rank" : "rank " + origin)
                + (origin >= 0 && origin < eps.size() ? " (" + eps.get(origin) + ")" : "");
        String by = reporter == self ? "" : ", as reported by rank " + reporter;
        String message = "rank " + self + ": " + operation + " failed: " + who + " " + detail + by;
        return new CollectiveException(message, operation, origin, reason, cause);
    }

    static String seconds(long nanos) {
        double s = nanos / 1e9;
        return (s == Math.rint(s) ? String.format(Locale.ROOT, "%.0f", s) : String.format(Locale.ROOT, "%.3g", s))
                + " s";
    }
}
