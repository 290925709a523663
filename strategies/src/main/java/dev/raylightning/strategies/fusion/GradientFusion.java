package dev.raylightning.strategies.fusion;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.collective.ProcessGroup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Packs gradients into a reusable fusion buffer, so that one collective carries many of them
 * (torch DDP's buckets, Horovod's tensor fusion). A gradient at least as large as the threshold
 * goes alone, straight on a zero-copy view of the tensor; smaller consecutive ones form a group
 * of at most the threshold, which a process group that can reduces straight from the tensors'
 * views ({@link ProcessGroup#allReduceParts}: shared memory), and otherwise through one buffer,
 * copied in before the collective and out after.
 */
public final class GradientFusion {

    /** Reduces one fused buffer in place; {@code floats[k]} is the length of its k-th gradient. */
    @FunctionalInterface
    public interface FusedReduce {
        void reduce(ByteBuffer data, int[] floats);
    }

    /**
     * Reduces a fused group straight from and into the gradients' own views, as one buffer laid
     * end to end; false when it cannot, and the group then goes through the fusion buffer.
     */
    @FunctionalInterface
    public interface PartsReduce {
        boolean reduce(ByteBuffer[] parts);
    }

    /**
     * Told how long a fused group's copies into and out of the buffer took ({@link System#nanoTime}
     * readings), for a timeline. Gradients reduced alone are not copied and not reported here.
     */
    public interface CopyListener {
        void copiedIn(int tensors, long bytes, long startNanos, long endNanos);

        void copiedOut(int tensors, long bytes, long startNanos, long endNanos);
    }

    private final long thresholdBytes;
    /** Null unless a timeline listens: then the copies are left untimed. */
    private final CopyListener listener;
    private ByteBuffer buffer;

    public GradientFusion(long thresholdBytes) {
        this(thresholdBytes, null);
    }

    public GradientFusion(long thresholdBytes, CopyListener listener) {
        this.thresholdBytes = thresholdBytes;
        this.listener = listener;
    }

    /** Runs {@code reduce} over {@code gradients} in fused groups, in order, writing results back. */
    public void reduce(List<NDArray> gradients, FusedReduce reduce) {
        reduce(gradients, reduce, parts -> false);
    }

    /**
     * As {@link #reduce(List, FusedReduce)}, but every fused group goes to {@code parts} first, and
     * only where that declines through the fusion buffer to {@code reduce}.
     */
    public void reduce(List<NDArray> gradients, FusedReduce reduce, PartsReduce parts) {
        int i = 0;
        while (i < gradients.size()) {
            long bytes = 4L * gradients.get(i).size();
            if (bytes >= thresholdBytes) {
                reduce.reduce(gradients.get(i).toByteBuffer(true), new int[] {(int) gradients.get(i).size()});
                i++;
                continue;
            }
            int j = i;
            long total = 0;
            while (j < gradients.size() && total + 4L * gradients.get(j).size() <= thresholdBytes) {
                total += 4L * gradients.get(j).size();
                j++;
            }
            reduceFused(gradients.subList(i, j), total, reduce, parts);
            i = j;
        }
    }

    private void reduceFused(List<NDArray> grads, long totalBytes, FusedReduce reduce, PartsReduce parts) {
        ByteBuffer[] views = new ByteBuffer[grads.size()];
        for (int k = 0; k < grads.size(); k++) {
            views[k] = grads.get(k).toByteBuffer(true);
        }
        if (parts.reduce(views)) {
            return;
        }
        if (buffer == null || buffer.capacity() < totalBytes) {
            buffer = ByteBuffer.allocateDirect((int) Math.max(totalBytes, Math.min(thresholdBytes, 1 << 20)))
                    .order(ByteOrder.nativeOrder());
        }
        long copyIn = listener == null ? 0 : System.nanoTime();
        int[] floats = new int[grads.size()];
        buffer.clear();
        for (int k = 0; k < grads.size(); k++) {
            floats[k] = views[k].remaining() / 4;
            buffer.put(views[k].duplicate());
        }
        buffer.flip();
        if (listener != null) {
            listener.copiedIn(grads.size(), totalBytes, copyIn, System.nanoTime());
        }
        reduce.reduce(buffer, floats);
        long copyOut = listener == null ? 0 : System.nanoTime();
        for (ByteBuffer v : views) {
            ByteBuffer slice = buffer.slice();
            slice.limit(v.remaining());
            v.duplicate().put(slice);
            buffer.position(buffer.position() + v.remaining());
        }
        if (listener != null) {
            listener.copiedOut(grads.size(), totalBytes, copyOut, System.nanoTime());
        }
    }
}
