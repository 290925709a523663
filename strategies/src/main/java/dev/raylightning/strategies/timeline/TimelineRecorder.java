package dev.raylightning.strategies.timeline;

import static dev.raylightning.core.util.Checks.checkAtLeast;
import static dev.raylightning.core.util.Checks.checkNotNull;

import dev.raylightning.core.collective.WireFormat;
import dev.raylightning.strategies.fusion.GradientFusion;

import java.time.Instant;
import java.util.Arrays;

/**
 * Records one rank's timeline: optimizer steps and, inside them, the phases of the gradients'
 * reduction. Times are read from {@link System#nanoTime} and placed on the wall clock by one
 * reading taken at creation, so that ranks on one host line up and every event nests exactly
 * inside its step. At most {@code capacity} events are kept; a step that does not fit whole is
 * dropped whole and counted, so that the trace holds the first steps complete. One thread only.
 */
public final class TimelineRecorder implements GradientFusion.CopyListener {

    /** Events one rank keeps by default: about 30 MB on its way to the driver. */
    public static final int DEFAULT_CAPACITY = 1_000_000;

    private final int rank;
    private final String reduceOp;
    private final WireFormat wire;
    private final int capacity;
    private final long anchorMicros;
    private final long anchorNanos;
    private byte[] phases = new byte[0];
    private long[] start = new long[0];
    private long[] end = new long[0];
    private int[] tensors = new int[0];
    private long[] bytes = new long[0];
    private int size;
    private long dropped;

    /** {@code reduceOp} and {@code wire} say how the rank's gradients are combined and travel. */
    public TimelineRecorder(int rank, String reduceOp, WireFormat wire, int capacity) {
        this.rank = checkAtLeast(rank, 0, "rank");
        this.reduceOp = checkNotNull(reduceOp, "reduceOp");
        this.wire = checkNotNull(wire, "wire");
        this.capacity = checkAtLeast(capacity, 1, "capacity");
        Instant now = Instant.now();
        this.anchorNanos = System.nanoTime();
        this.anchorMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
    }

    /** Runs {@code body} as one step: a step event around every event {@code body} records. */
    public void step(Runnable body) {
        int mark = size;
        long droppedBefore = dropped;
        long begin = System.nanoTime();
        add(TimelinePhase.STEP, begin, begin, 0, 0);
        try {
            body.run();
        } finally {
            if (dropped == droppedBefore) {
                end[mark] = micros(System.nanoTime());
            } else {
                // part of this step did not fit: drop what was kept of it too, never an orphan
                dropped += size - mark;
                size = mark;
            }
        }
    }

    /** Records one phase between two {@link System#nanoTime} readings. */
    public void record(TimelinePhase phase, long startNanos, long endNanos, int tensorCount, long byteCount) {
        add(phase, startNanos, endNanos, tensorCount, byteCount);
    }

    @Override
    public void copiedIn(int tensorCount, long byteCount, long startNanos, long endNanos) {
        add(TimelinePhase.COPY_IN, startNanos, endNanos, tensorCount, byteCount);
    }

    @Override
    public void copiedOut(int tensorCount, long byteCount, long startNanos, long endNanos) {
        add(TimelinePhase.COPY_OUT, startNanos, endNanos, tensorCount, byteCount);
    }

    /** What was recorded so far, to send to the driver. */
    public TimelineEvents events() {
        return new TimelineEvents(rank, reduceOp, wire, phases, start, end, tensors, bytes, size, dropped);
    }

    private void add(TimelinePhase phase, long startNanos, long endNanos, int tensorCount, long byteCount) {
        if (size == capacity) {
            dropped++;
            return;
        }
        if (size == phases.length) {
            int grown = (int) Math.min(capacity, Math.max(1024L, 2L * size));
            phases = Arrays.copyOf(phases, grown);
            start = Arrays.copyOf(start, grown);
            end = Arrays.copyOf(end, grown);
            tensors = Arrays.copyOf(tensors, grown);
            bytes = Arrays.copyOf(bytes, grown);
        }
        phases[size] = (byte) phase.ordinal();
        start[size] = micros(startNanos);
        end[size] = micros(endNanos);
        tensors[size] = tensorCount;
        bytes[size] = byteCount;
        size++;
    }

    /** Wall-clock microseconds of a monotonic reading; rounding down keeps nested events nested. */
    private long micros(long nanos) {
        return anchorMicros + Math.floorDiv(nanos - anchorNanos, 1_000L);
    }
}
