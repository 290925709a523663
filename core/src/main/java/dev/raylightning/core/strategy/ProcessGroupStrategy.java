package dev.raylightning.core.strategy;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.tcp.CollectiveException;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;
import dev.raylightning.core.util.JavaBytes;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The base of worker-side strategies whose ranks talk through a {@link ProcessGroup}: ranks
 * from the launcher's {@link RankInfo}, and barrier, broadcast and metric reduction over the
 * group. A subclass adds one gradient policy (what {@link #optimizerStep} and
 * {@link #optimizerState} do): data-parallel averaging, sharding, fused reduction, ...
 *
 * <p>Instances live in one worker process for one launch: the launcher creates them with the
 * group it connected and closes the group afterwards; they are never shipped.
 */
public abstract class ProcessGroupStrategy implements Strategy {

    private static final long serialVersionUID = 1L;
    /** System property: the largest object {@link #broadcast} moves, in bytes. */
    public static final String MAX_BROADCAST_PROPERTY = "ray.lightning.max-broadcast-bytes";
    /** Default bound of a broadcast object: far above paths and flags, far below a worker's heap. */
    public static final int DEFAULT_MAX_BROADCAST_BYTES = 64 << 20;

    private final RankInfo rank;
    private final transient ProcessGroup group;

    protected ProcessGroupStrategy(RankInfo rank, ProcessGroup group) {
        if (group.size() != rank.worldSize() || group.rank() != rank.globalRank()) {
            throw new IllegalArgumentException("process group rank " + group.rank() + " of " + group.size()
                    + " does not match " + rank);
        }
        this.rank = rank;
        this.group = group;
    }

    /** Where this rank stands. */
    public final RankInfo rankInfo() {
        return rank;
    }

    /** The group the ranks talk through. */
    protected final ProcessGroup group() {
        return group;
    }

    @Override
    public final int worldSize() {
        return rank.worldSize();
    }

    @Override
    public final int globalRank() {
        return rank.globalRank();
    }

    @Override
    public final int localRank() {
        return rank.localRank();
    }

    @Override
    public final int nodeRank() {
        return rank.nodeRank();
    }

    @Override
    public void barrier(String name) {
        group.barrier();
    }

    /**
     * Java-serializes the value on {@code src}; every rank receives its length, then its bytes. A
     * length beyond {@link #MAX_BROADCAST_PROPERTY} (64 MiB by default) is refused on every rank
     * before anything is allocated for it: a {@link CollectiveException} naming the sender.
     */
    @Override
    @SuppressWarnings("unchecked")
    public <T extends Serializable> T broadcast(T value, int src) {
        byte[] payload = globalRank() == src ? JavaBytes.write(value) : null;
        ByteBuffer length = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder());
        if (payload != null) {
            length.putInt(0, payload.length);
        }
        group.broadcast(length, src);
        int n = length.getInt(0);
        int bound = Integer.getInteger(MAX_BROADCAST_PROPERTY, DEFAULT_MAX_BROADCAST_BYTES);
        if (n < 0 || n > bound) {
            throw new CollectiveException("rank " + globalRank() + ": broadcast failed: rank " + src
                    + " sent an object length of " + n + " bytes, refused: the bound is 0 to " + bound + " bytes ("
                    + MAX_BROADCAST_PROPERTY + ")", "broadcast", src, Reason.INVALID, null);
        }
        // the group moves whole floats: pad to a multiple of four bytes
        ByteBuffer data = ByteBuffer.allocateDirect((n + 3) / 4 * 4).order(ByteOrder.nativeOrder());
        if (payload != null) {
            data.put(payload).clear();
        }
        group.broadcast(data, src);
        byte[] out = new byte[n];
        data.get(0, out);
        try {
            return (T) JavaBytes.read(out);
        } catch (RuntimeException e) {
            throw new IllegalStateException("broadcast payload from rank " + src + " is unreadable", e);
        }
    }

    /** Reduces as float32 (metrics are logged as floats); returns doubles. */
    @Override
    public double[] reduce(double[] values, ReduceOp op) {
        FloatBuffer buf = ByteBuffer.allocateDirect(Float.BYTES * values.length).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (double v : values) {
            buf.put((float) v);
        }
        buf.clear();
        group.allReduce(buf, op);
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = buf.get(i);
        }
        return out;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(rank " + globalRank() + " of " + worldSize() + ", " + group + ")";
    }
}
