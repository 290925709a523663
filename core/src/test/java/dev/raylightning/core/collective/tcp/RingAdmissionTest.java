package dev.raylightning.core.collective.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.WireFormat;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Who gets into a ring, and what a member may send: only a hello that proves the launch's secret
 * counts, idle or wrong connections cost the real peers nothing, and a frame length other than
 * the one the call expects is refused naming the sender.
 */
class RingAdmissionTest {

    private static final int TIMEOUT_MILLIS = 10_000;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private Socket dial(Endpoint e) throws IOException {
        Socket s = new Socket();
        toClose.add(s);
        s.connect(new InetSocketAddress("127.0.0.1", e.port()), TIMEOUT_MILLIS);
        s.setSoTimeout(TIMEOUT_MILLIS);
        return s;
    }

    private static byte[] hello(int from, int to, int size, GroupSecret secret) {
        ByteBuffer b = Frame.allocateHello();
        Frame.putHello(b, from, to, size, secret);
        byte[] bytes = new byte[Frame.HELLO_BYTES];
        b.get(bytes);
        return bytes;
    }

    @Test
    void idleConnectionsAndAWrongSecretDoNotKeepTheRanksApart() throws Exception {
        RingOptions options = RingOptions.defaults().withSecret(GroupSecret.random()); // the normal 30 s deadline
        List<RingListener> listeners = new ArrayList<>();
        List<Endpoint> eps = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            RingListener l = TcpRingProcessGroup.listen("127.0.0.1", options);
            toClose.add(l);
            listeners.add(l);
            eps.add(l.endpoint());
        }
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            idle.add(dial(eps.get(i % 2)));
        }
        Socket impostor = dial(eps.get(0));
        impostor.getOutputStream().write(hello(1, 0, 2, GroupSecret.random())); // right ranks, wrong secret

        long start = System.nanoTime();
        List<TcpRingProcessGroup> groups = Ranks.run(2, r -> TcpRingProcessGroup.connect(r, eps, listeners.get(r),
                options));
        long millis = (System.nanoTime() - start) / 1_000_000;
        toClose.addAll(groups);
        // one idle connection read in turn would have held the accept for 2 s; 20 of them, 40 s
        assertTrue(millis < HelloGate.HELLO_NANOS / 1_000_000, "the ring took " + millis + " ms to form");
        List<FloatBuffer> out = Ranks.run(2, r -> {
            FloatBuffer b = TcpRingProcessGroupTest.filled(r, 1000);
            groups.get(r).allReduce(b, ReduceOp.SUM);
            return b;
        });
        assertEquals(TcpRingProcessGroupTest.reference(ReduceOp.SUM, 2, 7), out.get(1).get(7));

        // Told no, or closed unanswered when the gate closed before its turn came; never OK.
        byte[] answer = untilClosed(impostor.getInputStream());
        boolean rejected = answer.length == Frame.BYTES && ByteBuffer.wrap(answer).getInt(0) == Frame.REJECT;
        assertTrue(answer.length == 0 || rejected,
                "the impostor got " + answer.length + " bytes: " + java.util.HexFormat.of().formatHex(answer));
        for (Socket s : idle) {
            assertTrue(endsWithoutData(s.getInputStream()), "an idle connection was never taken as a peer");
        }
    }

    /** Closed (or reset) by the other side, without a byte: the gate dropped it, or the closed listener did. */
    private static boolean endsWithoutData(InputStream in) throws IOException {
        return untilClosed(in).length == 0;
    }

    /** What the other side sent before it closed (or reset) the connection; fails on a read timeout. */
    private static byte[] untilClosed(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        try {
            for (int b; (b = in.read()) != -1; ) {
                got.write(b);
            }
        } catch (java.net.SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // reset: closed with unread input
        }
        return got.toByteArray();
    }

    /**
     * Rank 1 is played by this test over plain sockets: it joins properly and echoes the connect
     * barrier, then answers rank 0's first all-reduce frame with a header that claims 1 GiB, or,
     * in a 16-bit all-reduce, the length the frame would have as float32.
     */
    @ParameterizedTest
    @EnumSource(value = WireFormat.class, names = {"FLOAT32", "FLOAT16"})
    void aForgedFrameLengthIsRefusedNamingThePeerAndTheLength(WireFormat wire) throws Exception {
        GroupSecret secret = GroupSecret.random();
        RingOptions options = RingOptions.defaults().withSecret(secret).withChunkBytes(4096)
                .withCollectiveTimeout(Duration.ofSeconds(5)).withConnectTimeout(Duration.ofSeconds(10));
        RingListener listener = TcpRingProcessGroup.listen("127.0.0.1", options);
        ServerSocket fakeListener = new ServerSocket();
        toClose.add(fakeListener);
        fakeListener.bind(new InetSocketAddress("127.0.0.1", 0));
        fakeListener.setSoTimeout(TIMEOUT_MILLIS);
        List<Endpoint> eps = List.of(listener.endpoint(), new Endpoint("127.0.0.1", fakeListener.getLocalPort()));
        int forged = wire == WireFormat.FLOAT32 ? 1 << 30 : 2 * 4096;
        CompletableFuture<Void> fake = CompletableFuture.runAsync(() -> {
            try {
                Socket fromZero = fakeListener.accept();
                toClose.add(fromZero);
                fromZero.setSoTimeout(TIMEOUT_MILLIS);
                DataInputStream in = new DataInputStream(fromZero.getInputStream());
                in.readFully(new byte[Frame.HELLO_BYTES]);
                fromZero.getOutputStream().write(simple(Frame.OK));
                Socket toZero = dial(eps.get(0));
                toZero.getOutputStream().write(hello(1, 0, 2, secret));
                new DataInputStream(toZero.getInputStream()).readFully(new byte[Frame.BYTES]);
                OutputStream out = toZero.getOutputStream();
                while (true) {
                    byte[] header = new byte[Frame.BYTES];
                    in.readFully(header);
                    ByteBuffer h = ByteBuffer.wrap(header);
                    if (h.getInt(4) != 1) { // past the connect barrier: lie about the length
                        h.putInt(20, forged);
                        out.write(header);
                        return;
                    }
                    byte[] payload = new byte[h.getInt(20)];
                    in.readFully(payload);
                    out.write(header);
                    out.write(payload);
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        TcpRingProcessGroup zero = TcpRingProcessGroup.connect(0, eps, listener, options);
        toClose.add(zero);
        ByteBuffer floats = TcpRingProcessGroupTest.bytes(TcpRingProcessGroupTest.filled(0, 10_000));
        CollectiveException e = assertThrows(CollectiveException.class,
                () -> zero.allReduce(floats, ReduceOp.SUM, wire));
        fake.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        assertEquals(1, e.peerRank(), e.getMessage());
        assertEquals(Reason.INVALID, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("rank 1 (" + eps.get(1) + ") sent a frame length of " + forged + " bytes"),
                e.getMessage());
        assertTrue(e.getMessage().contains("holds exactly 4096 bytes"), e.getMessage());
    }

    private static byte[] simple(int kind) {
        byte[] b = new byte[Frame.BYTES];
        ByteBuffer.wrap(b).putInt(kind);
        return b;
    }
}
