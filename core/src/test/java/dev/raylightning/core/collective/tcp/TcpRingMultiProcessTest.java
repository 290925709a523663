package dev.raylightning.core.collective.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;
import dev.raylightning.core.collective.shm.SharedMemoryGroup;
import dev.raylightning.core.collective.tcp.Ranks.Outcome;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Ranks in separate JVMs, as Ray workers are: real processes, real sockets, a real kill. */
class TcpRingMultiProcessTest {

    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();
    private final GroupSecret secret = GroupSecret.random();

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process spawn(int rank, int size, String mode) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), RingChild.class.getName(), String.valueOf(rank),
                String.valueOf(size), dir.toString(), mode)
                .redirectErrorStream(true);
        builder.environment().put(RingChild.SECRET_ENV, secret.toHex()); // not on the command line: ps shows that
        Process p = builder.start();
        children.add(p);
        return p;
    }

    private static String readAll(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"allreduce", "shm"})
    void twoJvmsAllReduce(String mode) throws Exception {
        Process a = spawn(0, 2, mode);
        Process b = spawn(1, 2, mode);
        assertTrue(a.waitFor(60, TimeUnit.SECONDS), "rank 0 did not finish");
        assertTrue(b.waitFor(60, TimeUnit.SECONDS), "rank 1 did not finish");
        String outA = readAll(a);
        String outB = readAll(b);
        assertEquals(0, a.exitValue(), outA);
        assertEquals(0, b.exitValue(), outB);
        assertTrue(outA.contains("OK 0"), outA);
        assertTrue(outB.contains("OK 1"), outB);
    }

    @Test
    void aKilledProcessFailsTheOthersNamingIt() throws Exception {
        RingOptions options = RingOptions.defaults().withCollectiveTimeout(Duration.ofSeconds(20)).withSecret(secret);
        List<RingListener> listeners = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            RingListener l = TcpRingProcessGroup.listen("127.0.0.1", options);
            listeners.add(l);
            RingChild.publish(dir, r, l.endpoint());
        }
        Process child = spawn(2, 3, "hang");
        List<Endpoint> eps = RingChild.await(dir, 3);
        List<TcpRingProcessGroup> groups = Ranks.run(2, r -> TcpRingProcessGroup.connect(r, eps, listeners.get(r),
                options));
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("READY"), "child said: " + line);
            Thread killer = Ranks.after(300, () -> child.destroyForcibly());
            List<Outcome<Object>> results = Ranks.runAll(2, r -> {
                groups.get(r).allReduce(TcpRingProcessGroupTest.filled(r, 1 << 20), ReduceOp.SUM);
                return "done";
            }, 30);
            killer.join();
            for (Outcome<Object> o : results) {
                CollectiveException e = assertInstanceOf(CollectiveException.class, o.error());
                assertEquals(2, e.peerRank(), e.getMessage());
                assertEquals(Reason.CLOSED, e.reason(), e.getMessage());
                assertTrue(e.getMessage().contains("rank 2 (" + eps.get(2) + ")"), e.getMessage());
                assertTrue(o.millis() < 5_000, "took " + o.millis() + " ms");
            }
        } finally {
            groups.forEach(TcpRingProcessGroup::close);
        }
    }

    @Test
    void aKilledProcessFailsARankWaitingForItInSharedMemory() throws Exception {
        RingOptions options = RingOptions.defaults().withCollectiveTimeout(Duration.ofSeconds(30)).withSecret(secret);
        RingListener listener = TcpRingProcessGroup.listen("127.0.0.1", options);
        RingChild.publish(dir, 0, listener.endpoint());
        Process child = spawn(1, 2, "shm-hang");
        List<Endpoint> eps = RingChild.await(dir, 2);
        try (SharedMemoryGroup group = SharedMemoryGroup.wrap(TcpRingProcessGroup.connect(0, eps, listener, options),
                secret, 0)) {
            group.allReduce(ByteBuffer.allocateDirect(RingChild.N * 4).order(ByteOrder.nativeOrder()), ReduceOp.SUM);
            assertTrue(group.hasSharedMemoryBarriers(), group.toString());
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("READY"), "child said: " + line);
            Thread killer = Ranks.after(300, () -> child.destroyForcibly());
            long start = System.nanoTime();
            CollectiveException e = org.junit.jupiter.api.Assertions.assertThrows(CollectiveException.class,
                    () -> group.allReduce(ByteBuffer.allocateDirect(RingChild.N * 4).order(ByteOrder.nativeOrder()),
                            ReduceOp.SUM));
            long millis = (System.nanoTime() - start) / 1_000_000;
            killer.join();
            assertEquals(1, e.peerRank(), e.getMessage());
            assertEquals(Reason.CLOSED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("rank 1 ended"), e.getMessage());
            assertTrue(millis >= 250 && millis < 5_000, "failed after " + millis + " ms");
        }
    }
}
