package dev.raylightning.strategies.launcher;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.strategy.Strategy;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * One rank's view of data-parallel training: ranks from the node layout, a process group, and
 * gradients averaged across ranks in buckets before every optimizer step. Gradients that fill a
 * bucket alone are reduced in place through a zero-copy view of the tensor; smaller ones are
 * packed into a reusable direct buffer so that one collective carries many of them.
 */
final class DdpWorkerStrategy implements Strategy {

    private static final long serialVersionUID = 1L;

    private final RankInfo rank;
    private final transient ProcessGroup group;
    private final long bucketCapBytes;
    private transient ByteBuffer bucket;

    DdpWorkerStrategy(RankInfo rank, ProcessGroup group, long bucketCapBytes) {
        this.rank = rank;
        this.group = group;
        this.bucketCapBytes = bucketCapBytes;
    }

    @Override
    public int worldSize() {
        return rank.worldSize();
    }

    @Override
    public int globalRank() {
        return rank.globalRank();
    }

    @Override
    public int localRank() {
        return rank.localRank();
    }

    @Override
    public int nodeRank() {
        return rank.nodeRank();
    }

    @Override
    public void barrier(String name) {
        group.barrier();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends Serializable> T broadcast(T value, int src) {
        byte[] payload = globalRank() == src ? toBytes(value) : null;
        FloatBuffer len = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        if (payload != null) {
            len.put(0, Float.intBitsToFloat(payload.length));
        }
        group.broadcast(len, src);
        int n = Float.floatToRawIntBits(len.get(0));
        ByteBuffer data = ByteBuffer.allocateDirect((n + 3) / 4 * 4).order(ByteOrder.nativeOrder());
        if (payload != null) {
            data.put(payload).clear();
        }
        group.broadcast(data, src);
        byte[] out = new byte[n];
        data.get(out);
        return (T) fromBytes(out);
    }

    @Override
    public double[] reduce(double[] values, ReduceOp op) {
        FloatBuffer buf = ByteBuffer.allocateDirect(4 * values.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
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
    public void reduceGradients(List<NDArray> gradients) {
        int i = 0;
        while (i < gradients.size()) {
            long bytes = 4L * gradients.get(i).size();
            if (bytes >= bucketCapBytes) {
                // large enough to reduce alone: straight on the tensor's own memory
                group.allReduce(gradients.get(i).toByteBuffer(true), ReduceOp.AVG);
                i++;
                continue;
            }
            int j = i;
            long total = 0;
            while (j < gradients.size() && total + 4L * gradients.get(j).size() <= bucketCapBytes) {
                total += 4L * gradients.get(j).size();
                j++;
            }
            reduceBucket(gradients.subList(i, j), total);
            i = j;
        }
    }

    private void reduceBucket(List<NDArray> grads, long totalBytes) {
        if (bucket == null || bucket.capacity() < totalBytes) {
            bucket = ByteBuffer.allocateDirect((int) Math.max(totalBytes, Math.min(bucketCapBytes, 1 << 20)))
                    .order(ByteOrder.nativeOrder());
        }
        ByteBuffer[] views = new ByteBuffer[grads.size()];
        bucket.clear();
        for (int k = 0; k < grads.size(); k++) {
            views[k] = grads.get(k).toByteBuffer(true);
            bucket.put(views[k].duplicate());
        }
        bucket.flip();
        group.allReduce(bucket, ReduceOp.AVG);
        for (ByteBuffer v : views) {
            ByteBuffer slice = bucket.slice();
            slice.limit(v.remaining());
            v.duplicate().put(slice);
            bucket.position(bucket.position() + v.remaining());
        }
    }

    private static byte[] toBytes(Object o) {
        return JavaBytes.write(o);
    }

    private static Object fromBytes(byte[] bytes) {
        try {
            return JavaBytes.read(bytes);
        } catch (RuntimeException e) {
            throw new IllegalStateException("broadcast payload unreadable", e);
        }
    }

    @Override
    public String toString() {
        return "DdpWorkerStrategy(rank " + rank.globalRank() + " of " + rank.worldSize() + ", " + group + ")";
    }
}
