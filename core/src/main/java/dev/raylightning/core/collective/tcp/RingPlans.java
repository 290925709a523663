package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.WireFormat;


/**
 * The ring algorithms, as schedules for one rank. Data always flows rank r to r+1. A buffer of n
 * floats splits into {@code size} segments whose lengths differ by at most one (so any n works,
 * n smaller than size and 0 included).
 *
 * <ul>
 *   <li>all-reduce: reduce-scatter (size-1 steps) then all-gather (size-1 steps); at step t rank
 *       r sends segment r-t and receives segment r-t-1, which it passes on at step t+1. After the
 *       reduce-scatter rank r owns the final segment r+1; the all-gather spreads the owned ones.
 *   <li>reduce-scatter: the same first half, shifted by one so that rank r ends owning segment r.
 *   <li>all-gather: the second half on its own.
 *   <li>broadcast and reduce: a pipelined chain root, root+1, ... (reduce ends at the root).
 * </ul>
 */
final class RingPlans {

    static final int ALL_REDUCE = 1;
    static final int REDUCE_SCATTER = 2;
    static final int ALL_GATHER = 3;
    static final int BROADCAST = 4;
    static final int REDUCE = 5;
    static final int BARRIER = 6;

    private final int rank;
    private final int size;

    RingPlans(int rank, int size) {
        this.rank = rank;
        this.size = size;
    }

    /** Schedule steps a call may need at most. */
    static int maxSteps(int size) {
        return Math.max(2, 2 * (size - 1));
    }

    static int opSig(int opcode, ReduceOp op, int root) {
        return opSig(opcode, op, root, WireFormat.FLOAT32);
    }

    /** Opcode, wire format, op and root in one int, so ranks that disagree on any of them mismatch. */
    static int opSig(int opcode, ReduceOp op, int root, WireFormat wire) {
        return opcode << 24 | wire.ordinal() << 20 | (op == null ? 0 : op.ordinal() + 1) << 16 | (root & 0xFFFF);
    }

    static String opName(int opSig) {
        String name = switch (opSig >>> 24) {
            case ALL_REDUCE -> "allReduce";
            case REDUCE_SCATTER -> "reduceScatter";
            case ALL_GATHER -> "allGather";
            case BROADCAST -> "broadcast";
            case REDUCE -> "reduce";
            case BARRIER -> "barrier";
            default -> "op" + (opSig >>> 24);
        };
        int op = (opSig >>> 16) & 0xF;
        String detail = op == 0 ? "" : ReduceOp.values()[Math.min(op - 1, ReduceOp.values().length - 1)].name();
        int wire = (opSig >>> 20) & 0xF;
        if (wire != 0) {
            detail += ", " + WireFormat.values()[Math.min(wire, WireFormat.values().length - 1)].name();
        }
        int opcode = opSig >>> 24;
        if (opcode == BROADCAST || opcode == REDUCE) {
            detail += (detail.isEmpty() ? "" : ", ") + "root " + (opSig & 0xFFFF);
        }
        return detail.isEmpty() ? name : name + "(" + detail + ")";
    }

    /**
     * Also the plan of a 16-bit all-reduce: the same segments and steps; the frames then carry
     * encoded values (see {@link FrameReceiver} and {@link FrameSender}).
     */
    void allReduce(Schedule s, Region buf, int n) {
        for (int t = 0; t < 2 * (size - 1); t++) {
            int out = mod(rank - t);
            s.send(t, buf, start(n, out), length(n, out), t > 0);
            int in = mod(rank - t - 1);
            int at = start(n, in);
            if (t < size - 1) {
                // Reduce straight into the caller's buffer: partial sums are passed on from there.
                s.receiveReduce(t, buf, at, buf, at, length(n, in), t == size - 2);
            } else {
                s.receiveCopy(t, buf, at, length(n, in));
            }
        }
    }

    /**
     * {@code in} holds size*n floats; rank r's reduced segment r lands in
     * {@code out}. Partial sums go to {@code scratch} ((size-2)*n floats): the input stays intact.
     */
    void reduceScatter(Schedule s, Region in, Region out, int n, Region scratch) {
        for (int t = 0; t < size - 1; t++) {
            int send = mod(rank - t - 1);
            if (t == 0) {
                s.send(t, in, send * n, n, false);
            } else {
                s.send(t, scratch, (t - 1) * n, n, true);
            }
            int recv = mod(rank - t - 2);
            boolean last = t == size - 2;
            s.receiveReduce(t, in, recv * n, last ? out : scratch, last ? 0 : t * n, n, last);
        }
    }

    /** {@code in} (n floats) goes to segment rank of {@code out}; the caller copies that one. */
    void allGather(Schedule s, Region in, Region out, int n) {
        for (int t = 0; t < size - 1; t++) {
            int send = mod(rank - t);
            if (t == 0) {
                s.send(t, in, 0, n, false);
            } else {
                s.send(t, out, send * n, n, true);
            }
            s.receiveCopy(t, out, mod(rank - t - 1) * n, n);
        }
    }

    void broadcast(Schedule s, Region buf, int n, int root) {
        int d = mod(rank - root);
        if (d > 0) {
            s.receiveCopy(0, buf, 0, n);
        }
        if (d < size - 1) {
            s.send(d == 0 ? 0 : 1, buf, 0, n, d > 0);
        }
    }

    /** A chain root+1, ..., root; each rank adds its buffer to the running sum in place. */
    void reduce(Schedule s, Region buf, int n, int root) {
        int d = mod(rank - root - 1);
        if (d > 0) {
            s.receiveReduce(0, buf, 0, buf, 0, n, d == size - 1);
        }
        if (d < size - 1) {
            s.send(d == 0 ? 0 : 1, buf, 0, n, d > 0);
        }
    }

    private int mod(int i) {
        return Math.floorMod(i, size);
    }

    static int start(int n, int parts, int i) {
        return i * (n / parts) + Math.min(i, n % parts);
    }

    static int length(int n, int parts, int i) {
        return n / parts + (i < n % parts ? 1 : 0);
    }

    private int start(int n, int i) {
        return start(n, size, i);
    }

    private int length(int n, int i) {
        return length(n, size, i);
    }
}
