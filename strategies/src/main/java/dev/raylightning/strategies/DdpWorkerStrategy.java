package dev.raylightning.strategies;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.strategy.ProcessGroupStrategy;
import dev.raylightning.core.strategy.RankInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The worker side of {@link RayDdpStrategy}, its gradient policy: before every optimizer step,
 * gradients are averaged across ranks in buckets. A gradient that fills a bucket alone is reduced
 * in place through a zero-copy view of the tensor; smaller ones are packed into a reusable direct
 * buffer, so one collective carries many of them. Every rank then steps the whole model.
 */
public final class DdpWorkerStrategy extends ProcessGroupStrategy {

    private static final long serialVersionUID = 1L;

    private final long bucketCapBytes;
    private transient ByteBuffer bucket;

    public DdpWorkerStrategy(RankInfo rank, ProcessGroup group, long bucketCapBytes) {
        super(rank, group);
        this.bucketCapBytes = bucketCapBytes;
    }

    @Override
    public void reduceGradients(List<NDArray> gradients) {
        int i = 0;
        while (i < gradients.size()) {
            long bytes = 4L * gradients.get(i).size();
            if (bytes >= bucketCapBytes) {
                // large enough to reduce alone: straight on the tensor's own memory
                group().allReduce(gradients.get(i).toByteBuffer(true), ReduceOp.AVG);
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
        group().allReduce(bucket, ReduceOp.AVG);
        for (ByteBuffer v : views) {
            ByteBuffer slice = bucket.slice();
            slice.limit(v.remaining());
            v.duplicate().put(slice);
            bucket.position(bucket.position() + v.remaining());
        }
    }
}
