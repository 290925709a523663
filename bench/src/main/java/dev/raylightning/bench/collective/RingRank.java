package dev.raylightning.bench.collective;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.shm.SharedMemoryGroup;
import dev.raylightning.core.collective.tcp.Endpoint;
import dev.raylightning.core.collective.tcp.RingListener;
import dev.raylightning.core.collective.tcp.RingOptions;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;

import java.lang.management.CompilationMXBean;
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
        // "shm-ring": the same with the ring's barriers in place of the futex ones; "shm-1b" and
        // "shm-2b": every all-reduce in one barrier, or in chunks over two
        boolean shm = a.api().startsWith("shm");
        switch (a.api()) {
            case "shm-ring" -> System.setProperty(SharedMemoryGroup.BARRIER_PROPERTY, "ring");
            case "shm-1b" -> System.setProperty(SharedMemoryGroup.ONE_BARRIER_PROPERTY, Long.toString(Long.MAX_VALUE));
            case "shm-2b" -> System.setProperty(SharedMemoryGroup.ONE_BARRIER_PROPERTY, "-1");
            default -> { }
        }
        try (ProcessGroup group = shm ? SharedMemoryGroup.wrap(ring, secret, 0) : ring) {
            warmUntilCompiled(group, all, a.sizesKb(), bytes);
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

    /**
     * Runs every size until no rank's JIT compiled anything during a pass (at least 0.5 s, at most
     * 20 s). With a fixed two calls per size the compiler was still at work while the first size
     * was measured: whichever size came first had a p90 of 3.3 to 3.8 times its median, the same
     * size measured last 1.6 to 1.7.
     */
    private static void warmUntilCompiled(ProcessGroup group, ByteBuffer all, List<Integer> sizesKb, boolean bytes) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long start = System.nanoTime();
        FloatBuffer vote = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        long compiled = jit.getTotalCompilationTime();
        while (true) {
            for (int kb : sizesKb) {
                for (int i = 0; i < 5; i++) {
                    allReduce(group, all.duplicate().position(0).limit(kb << 10), bytes);
                }
            }
            long now = jit.getTotalCompilationTime();
            long elapsed = System.nanoTime() - start;
            // 0: quiet, 1: still compiling, 2: out of time; every rank stops after the same pass
            vote.put(0, elapsed > 20_000_000_000L ? 2f : now != compiled || elapsed < 500_000_000L ? 1f : 0f);
            compiled = now;
            group.allReduce(vote, ReduceOp.MAX);
            if (vote.get(0) != 1f) {
                return;
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
