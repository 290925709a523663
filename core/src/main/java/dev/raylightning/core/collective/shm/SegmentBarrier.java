package dev.raylightning.core.collective.shm;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.tcp.CollectiveException;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;
import dev.raylightning.core.collective.tcp.RingOptions;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;
import dev.raylightning.core.util.DirectBuffers;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A barrier of the ranks of one host in shared memory: each rank counts its arrivals in a word of
 * its own control segment and waits for its peers' counts, sleeping on a {@link Futex} until the
 * peer's arrival wakes it. A socket barrier costs a message each way through the kernel and a
 * selector wake-up; this costs a store, and a wake-up only when a peer sleeps. It never spins:
 * spinning before sleeping was measured no faster, and on 2 cores a spinning rank takes the CPU
 * its late peer needs.
 *
 * <p>Each arrival also publishes what the call is (a descriptor of the operation and its size),
 * so ranks that reach the barrier from different collectives fail with {@link Reason#MISMATCH}
 * instead of reading each other's data. A waiting rank notices a peer that closed or failed its
 * group (a flag in the peer's segment, with a wake-up), a peer process that ended, an interrupt and
 * the timeout, and fails with the rank named. After a failure every call fails the same way.
 *
 * <p>Layout of a control segment, one per rank, written only by its owner: the arrival count at
 * byte 0, a "sleeping" flag at 64, a "closed" flag at 128, the descriptors of the last two
 * arrivals at 192 (a peer is at most one barrier ahead, so two slots cannot be overwritten while
 * anyone still reads them). Words sit 64 bytes apart so that no two share a cache line.
 */
final class SegmentBarrier implements AutoCloseable {

    /** Bytes of one rank's control segment. */
    static final long CONTROL_BYTES = 4096;
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    private static final int ARRIVED = 0;
    private static final int SLEEPING = 64;
    private static final int CLOSED = 128;
    private static final int DESCRIPTORS = 192;
    private static final int OPEN = 0;
    private static final int CLOSED_NORMALLY = 1;
    private static final int FAILED = 2;
    /** Longest sleep before a waiting rank re-checks the clock, its interrupt and its peer. */
    private static final long SLICE_NANOS = 10_000_000L;
    private static final long LIVENESS_NANOS = 100_000_000L;

    private final MappedSegment[] control;
    private final long[] arrivedAddress;
    private final long[] pids;
    private final int rank;
    private final long timeoutNanos;
    /** The sleep of one slice as a {@code struct timespec}, and its address: set once. */
    private final ByteBuffer slice = Futex.timespec(SLICE_NANOS);
    private final long sliceAddress = DirectBuffers.address(slice);
    private int epoch;
    private CollectiveException failure;
    private boolean closed;

    /** A barrier over newly mapped control segments, or why there is none. */
    record Made(SegmentBarrier barrier, String problem) {}

    /**
     * Maps every rank's control segment, with all ranks together (generation 0: data segments
     * count from 1), and makes the barrier; it waits at most the ring's collective timeout.
     */
    static Made make(SegmentSetup setup, long[] pids, ProcessGroup group) {
        SegmentSetup.Outcome made = setup.build(0, CONTROL_BYTES, 1);
        if (made.segments() == null) {
            return new Made(null, made.problem());
        }
        long timeout = group instanceof TcpRingProcessGroup ring ? ring.options().collectiveTimeout().toNanos()
                : RingOptions.DEFAULT_COLLECTIVE_TIMEOUT.toNanos();
        return new Made(new SegmentBarrier(made.segments()[0], pids, group.rank(), timeout), null);
    }

    /**
     * @param control every rank's control segment, by rank (this rank's mapped read-write); the
     *     barrier unmaps them when it closes
     * @param pids every rank's process id, by rank
     */
    SegmentBarrier(MappedSegment[] control, long[] pids, int rank, long timeoutNanos) {
        this.control = control.clone();
        this.pids = pids.clone();
        this.rank = rank;
        this.timeoutNanos = timeoutNanos;
        this.arrivedAddress = new long[control.length];
        for (int k = 0; k < control.length; k++) {
            arrivedAddress[k] = DirectBuffers.address(control[k].bytes) + ARRIVED;
        }
    }

    /**
     * Arrives with {@code descriptor} (what the call is; the same on every rank for the same call)
     * and returns once every peer arrived at the same barrier with the same descriptor.
     */
    void await(String operation, long descriptor) {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new IllegalStateException("the shared-memory barrier is closed");
        }
        int e = ++epoch;
        ByteBuffer own = control[rank].bytes;
        own.putLong(DESCRIPTORS + (e & 1) * Long.BYTES, descriptor);
        INT.setVolatile(own, ARRIVED, e);
        // a peer sets its flag before it reads our count, and we read its flag after writing the
        // count: either it sees the new count or we see its flag and wake it
        for (int k = 0; k < control.length; k++) {
            if (k != rank && (int) INT.getVolatile(control[k].bytes, SLEEPING) != 0) {
                Futex.wakeAll(arrivedAddress[rank]);
                break;
            }
        }
        for (int k = 0; k < control.length; k++) {
            if (k != rank) {
                awaitPeer(operation, k, e);
                long theirs = control[k].bytes.getLong(DESCRIPTORS + (e & 1) * Long.BYTES);
                if (theirs != descriptor) {
                    throw fail(operation, k, Reason.MISMATCH, "called a different collective ("
                            + describe(theirs) + ", this rank " + describe(descriptor) + ")");
                }
            }
        }
    }

    private void awaitPeer(String operation, int k, int e) {
        ByteBuffer peer = control[k].bytes;
        ByteBuffer own = control[rank].bytes;
        long start = System.nanoTime();
        long checked = start;
        INT.setVolatile(own, SLEEPING, 1);
        try {
            while (true) {
                int seen = (int) INT.getVolatile(peer, ARRIVED);
                if (seen - e >= 0) {
                    return;
                }
                int state = (int) INT.getVolatile(peer, CLOSED);
                if (state != OPEN) {
                    throw fail(operation, k, state == FAILED ? Reason.ABORTED : Reason.CLOSED,
                            state == FAILED ? "failed" : "closed its group");
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw fail(operation, rank, Reason.ABORTED, "was interrupted");
                }
                long now = System.nanoTime();
                if (now - start > timeoutNanos) {
                    throw fail(operation, k, Reason.TIMEOUT, "did not arrive within "
                            + String.format(Locale.ROOT, "%.3g s", timeoutNanos / 1e9));
                }
                if (now - checked > LIVENESS_NANOS) {
                    checked = now;
                    if (!alive(pids[k])) {
                        throw fail(operation, k, Reason.CLOSED, "ended (process " + pids[k] + ")");
                    }
                }
                Futex.await(arrivedAddress[k], seen, sliceAddress);
            }
        } finally {
            INT.setVolatile(own, SLEEPING, 0);
        }
    }

    /**
     * Records the failure, tells the peers (flag and wake-up) and returns the exception to throw;
     * {@code call} is the group's call, named here so that calls that pass build no string.
     */
    private CollectiveException fail(String call, int who, Reason reason, String detail) {
        String operation = call + " (shared memory)";
        String subject = who == rank ? "this rank" : "rank " + who;
        failure = new CollectiveException("rank " + rank + ": " + operation + " failed: " + subject + " " + detail,
                operation, who, reason, null);
        signal(FAILED);
        return failure;
    }

    private void signal(int state) {
        ByteBuffer own = control[rank].bytes;
        if ((int) INT.getVolatile(own, CLOSED) == OPEN) {
            INT.setVolatile(own, CLOSED, state);
        }
        Futex.wakeAll(arrivedAddress[rank]);
    }

    /** A process that runs, not one that ended or awaits its parent as a zombie. */
    static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int paren = stat.lastIndexOf(')');
            char state = paren >= 0 && paren + 2 < stat.length() ? stat.charAt(paren + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The descriptor of an operation kind and its size in bytes, as {@link #await} takes it. */
    static long descriptor(int kind, long bytes) {
        return ((long) kind << 48) | (bytes & 0xFFFF_FFFF_FFFFL);
    }

    private static String describe(long descriptor) {
        return "kind " + (descriptor >>> 48) + " of " + (descriptor & 0xFFFF_FFFF_FFFFL) + " bytes";
    }

    /** Tells waiting peers that this rank left (they fail instead of waiting out the timeout), then unmaps. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                signal(CLOSED_NORMALLY);
            } finally {
                for (MappedSegment c : control) {
                    c.close();
                }
            }
        }
    }
}
