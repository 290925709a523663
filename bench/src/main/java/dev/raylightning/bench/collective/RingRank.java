package dev.raylightning.bench.collective;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.shm.SharedMemoryGroup;
import dev.raylightning.core.collective.tcp.Endpoint;
import dev.raylightning.core.collective.tcp.RingListener;
import dev.raylightning.core.collective.tcp.RingOptions;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank of the ring all-reduce measurement, in its own JVM. Every iteration starts after a
 * barrier; rank 0 prints one JSON line per size, with the median wall time and the median CPU
 * time of the calling thread (which does all the ring's work). SUM on float32, as Gloo's peer.
 */
final class RingRank {

    private RingRank() {}

    static void run(int rank, int size, Path dir, BenchArgs a) throws Exception {
        GroupSecret secret = GroupSecret.fromHex(System.getenv(Children.SECRET_ENV));
        RingOptions options = RingOptions.defaults().withChunkBytes(a.chunkBytes())
                .withSocketBufferBytes(a.socketBufferBytes()).withSecret(secret);
        RingListener listener = TcpRingProcessGroup.listen("127.0.0.1", options);
        Children.publish(dir, "rank-" + rank, listener.endpoint().toString());
        List<Endpoint> eps = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            eps.add(Endpoint.parse(Children.await(dir, "rank-" + r)));
        }
        ByteBuffer all = ByteBuffer.allocateDirect(a.maxBytes()).order(ByteOrder.nativeOrder());
        boolean bytes = !a.api().equals("floats");
        TcpRingProcessGroup ring = TcpRingProcessGroup.connect(rank, eps, listener, options);
        // "shm": the same ring wrapped in the same-host shared-memory all-reduce (all sizes);
        // "shm-ring": the same with the ring's barriers in place of the futex ones
        boolean shm = a.api().startsWith("shm");
        if (a.api().equals("shm-ring")) {
            System.setProperty(SharedMemoryGroup.BARRIER_PROPERTY, "ring");
        }
        try (ProcessGroup group = shm ? SharedMemoryGroup.wrap(ring, secret, 0) : ring) {
            // Warm the JIT on every size first, so the first size measured is not the slowest.
            for (int kb : a.sizesKb()) {
                for (int i = 0; i < 2; i++) {
                    allReduce(group, all.duplicate().position(0).limit(kb << 10), bytes);
                }
            }
            for (int kb : a.sizesKb()) {
                int n = (kb << 10) / 4;
                ByteBuffer b = all.duplicate().order(ByteOrder.nativeOrder()).position(0).limit(n * 4);
                FloatBuffer f = b.asFloatBuffer();
                for (int i = 0; i < n; i++) {
                    f.put(i, 1e-3f * (i % 97));
                }
                for (int i = 0; i < a.warmup(); i++) {
                    allReduce(group, b, bytes);
                }
                Timings t = new Timings(a.iters());
                ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                for (int i = 0; i < a.iters(); i++) {
                    group.barrier();
                    long c0 = mx.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    allReduce(group, b, bytes);
                    t.add(System.nanoTime() - t0, mx.getCurrentThreadCpuTime() - c0);
                }
                if (rank == 0) {
                    String impl = shm ? a.api() : bytes ? "ring" : "ring-floats";
                    System.out.println(t.json(impl, a.round(), (long) kb << 10, size,
                            2.0 * (size - 1) / size));
                    System.out.flush();
                }
            }
        }
    }

    private static void allReduce(ProcessGroup group, ByteBuffer b, boolean bytes) {
        if (bytes) {
            group.allReduce(b, ReduceOp.SUM);
        } else {
            group.allReduce(b.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer(), ReduceOp.SUM);
        }
    }
}
