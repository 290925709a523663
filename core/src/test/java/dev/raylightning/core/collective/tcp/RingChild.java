package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.shm.SharedMemoryGroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A rank in its own JVM, for {@link TcpRingMultiProcessTest}. Rendezvous through a directory:
 * each rank writes {@code rank-<r>.addr} (atomically) and waits for everyone's.
 *
 * <pre>java -cp ... RingChild rank size dir mode</pre>
 * mode {@code allreduce}: all-reduces known data, checks it, prints {@code OK rank}.
 * mode {@code shm}: the same through {@link SharedMemoryGroup}, which must find shared memory.
 * mode {@code hang}: connects, prints {@code READY}, then waits to be killed.
 * mode {@code shm-hang}: wraps the ring in {@link SharedMemoryGroup}, all-reduces once through shared
 * memory with its peers, prints {@code READY}, then waits to be killed.
 */
public final class RingChild {

    static final int N = (1 << 20) + 3;
    /** Environment variable with the launch's secret, set by whoever starts the children. */
    static final String SECRET_ENV = "RING_CHILD_SECRET";

    private RingChild() {}

    public static void main(String[] args) throws Exception {
        int rank = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        String mode = args[3];
        GroupSecret secret = GroupSecret.fromHex(System.getenv(SECRET_ENV));
        RingOptions options = RingOptions.defaults().withConnectTimeout(Duration.ofSeconds(30)).withSecret(secret);
        RingListener listener = TcpRingProcessGroup.listen("127.0.0.1", options);
        publish(dir, rank, listener.endpoint());
        List<Endpoint> eps = await(dir, size);
        TcpRingProcessGroup ring = TcpRingProcessGroup.connect(rank, eps, listener, options);
        try (ProcessGroup group = mode.startsWith("shm") ? SharedMemoryGroup.wrap(ring, secret, 0) : ring) {
            if (group instanceof SharedMemoryGroup g && !g.isShared()) {
                System.out.println("NOT SHARED " + rank);
                System.exit(3);
            }
            if (mode.equals("shm-hang")) {
                group.allReduce(ByteBuffer.allocateDirect(N * 4).order(ByteOrder.nativeOrder()), ReduceOp.SUM);
            }
            if (mode.endsWith("hang")) {
                System.out.println("READY " + rank);
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            FloatBuffer b = TcpRingProcessGroupTest.filled(rank, N);
            if (mode.equals("shm")) {
                ByteBuffer bytes = ByteBuffer.allocateDirect(N * 4).order(ByteOrder.nativeOrder());
                bytes.asFloatBuffer().put(b);
                group.allReduce(bytes, ReduceOp.SUM);
                b = bytes.asFloatBuffer();
            } else {
                group.allReduce(b, ReduceOp.SUM);
            }
            for (int i = 0; i < N; i++) {
                float want = TcpRingProcessGroupTest.reference(ReduceOp.SUM, size, i);
                if (b.get(i) != want) {
                    System.out.println("BAD " + rank + " at " + i + ": " + b.get(i) + " != " + want);
                    System.exit(2);
                }
            }
            group.barrier();
            System.out.println("OK " + rank);
        }
    }

    static void publish(Path dir, int rank, Endpoint endpoint) throws IOException {
        Path tmp = dir.resolve("rank-" + rank + ".tmp");
        Files.writeString(tmp, endpoint.toString());
        Files.move(tmp, dir.resolve("rank-" + rank + ".addr"), StandardCopyOption.ATOMIC_MOVE);
    }

    static List<Endpoint> await(Path dir, int size) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<Endpoint> eps = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            Path p = dir.resolve("rank-" + r + ".addr");
            while (!Files.exists(p)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("rank " + r + " never published its endpoint");
                }
                Thread.sleep(10);
            }
            eps.add(Endpoint.parse(Files.readString(p)));
        }
        return eps;
    }
}
