package dev.raylightning.strategies.timeline;

import dev.raylightning.core.collective.WireFormat;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One rank's timeline, as it travels to the driver: events in recording order (a step before
 * the events inside it), in primitive arrays so that a million of them stay a few tens of MB.
 * Times are microseconds of the wall clock, read through the rank's monotonic clock.
 */
public final class TimelineEvents implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int rank;
    private final String reduceOp;
    private final WireFormat wire;
    private final byte[] phases;
    private final long[] startMicros;
    private final long[] endMicros;
    private final int[] tensors;
    private final long[] bytes;
    private final long dropped;

    TimelineEvents(int rank, String reduceOp, WireFormat wire, byte[] phases, long[] startMicros, long[] endMicros,
            int[] tensors, long[] bytes, int size, long dropped) {
        this.rank = rank;
        this.reduceOp = reduceOp;
        this.wire = wire;
        this.phases = Arrays.copyOf(phases, size);
        this.startMicros = Arrays.copyOf(startMicros, size);
        this.endMicros = Arrays.copyOf(endMicros, size);
        this.tensors = Arrays.copyOf(tensors, size);
        this.bytes = Arrays.copyOf(bytes, size);
        this.dropped = dropped;
    }

    public int rank() {
        return rank;
    }

    /** How this rank's gradients were combined ({@code AVG}, {@code SUM}, {@code ADASUM}). */
    public String reduceOp() {
        return reduceOp;
    }

    /** The all-reduces' wire format (compression). */
    public WireFormat wire() {
        return wire;
    }

    public int size() {
        return phases.length;
    }

    /** Events not kept because the rank's cap was reached (whole steps are dropped). */
    public long dropped() {
        return dropped;
    }

    public TimelinePhase phase(int i) {
        return TimelinePhase.values()[phases[i]];
    }

    public long startMicros(int i) {
        return startMicros[i];
    }

    public long endMicros(int i) {
        return endMicros[i];
    }

    /** Gradient tensors the event covered (0 for a step or a wait). */
    public int tensors(int i) {
        return tensors[i];
    }

    /** float32 bytes of the gradients the event covered (0 for a step or a wait). */
    public long bytes(int i) {
        return bytes[i];
    }

    /** Steps this rank recorded. */
    public int steps() {
        int n = 0;
        for (byte p : phases) {
            n += p == TimelinePhase.STEP.ordinal() ? 1 : 0;
        }
        return n;
    }
}
