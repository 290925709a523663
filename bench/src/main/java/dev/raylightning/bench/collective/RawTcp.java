package dev.raylightning.bench.collective;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The ceiling: bytes over one loopback TCP connection between two JVMs, big writes from and
 * big reads into 4 MiB direct buffers, the same socket options as the ring.
 *
 * <ul>
 *   <li>{@code tcp}: one way. The sender times S bytes out until a 1-byte ack comes back.
 *   <li>{@code tcp-bidir}: both ways at once, each process sending S and receiving S on its own
 *       threads: the traffic a 2-rank ring all-reduce has, so its bus bandwidth's true ceiling.
 * </ul>
 */
final class RawTcp {

    private static final int IO = 4 << 20;

    private RawTcp() {}

    /** Side 0 listens and publishes its port; side 1 connects. */
    static void run(int side, Path dir, boolean bidir, BenchArgs a) throws Exception {
        ExecutorService sender = Executors.newSingleThreadExecutor();
        try (SocketChannel ch = open(side, dir, a)) {
            ByteBuffer out = ByteBuffer.allocateDirect(IO);
            ByteBuffer in = ByteBuffer.allocateDirect(IO);
            ByteBuffer one = ByteBuffer.allocateDirect(1);
            for (int kb : a.sizesKb()) {
                long bytes = (long) kb << 10;
                Timings t = new Timings(a.iters());
                for (int i = 0; i < a.warmup() + a.iters(); i++) {
                    handshake(ch, one); // both sides start together
                    long t0 = System.nanoTime();
                    if (bidir) {
                        Future<?> sent = sender.submit(() -> send(ch, out, bytes));
                        receive(ch, in, bytes);
                        sent.get();
                    } else if (side == 1) {
                        send(ch, out, bytes);
                        one.clear();
                        readFully(ch, one); // the ack: everything arrived
                    } else {
                        receive(ch, in, bytes);
                        one.clear();
                        ch.write(one);
                    }
                    if (i >= a.warmup()) {
                        t.add(System.nanoTime() - t0);
                    }
                }
                if (side == 1) {
                    System.out.println(t.json(bidir ? "tcp-bidir" : "tcp", a.round(), bytes, 2, 1.0));
                    System.out.flush();
                }
            }
        } finally {
            sender.shutdownNow();
        }
    }

    private static SocketChannel open(int side, Path dir, BenchArgs a) throws Exception {
        if (side == 0) {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.setOption(StandardSocketOptions.SO_RCVBUF, a.socketBufferBytes());
                server.bind(new InetSocketAddress("127.0.0.1", 0));
                Children.publish(dir, "tcp", String.valueOf(((InetSocketAddress) server.getLocalAddress()).getPort()));
                return tune(server.accept(), a);
            }
        }
        int port = Integer.parseInt(Children.await(dir, "tcp"));
        SocketChannel ch = SocketChannel.open();
        tune(ch, a);
        ch.connect(new InetSocketAddress("127.0.0.1", port));
        return ch;
    }

    private static SocketChannel tune(SocketChannel ch, BenchArgs a) throws IOException {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.setOption(StandardSocketOptions.SO_SNDBUF, a.socketBufferBytes());
        ch.setOption(StandardSocketOptions.SO_RCVBUF, a.socketBufferBytes());
        return ch;
    }

    private static void handshake(SocketChannel ch, ByteBuffer one) throws IOException {
        one.clear();
        ch.write(one);
        one.clear();
        readFully(ch, one);
    }

    private static void send(SocketChannel ch, ByteBuffer out, long bytes) {
        try {
            long left = bytes;
            while (left > 0) {
                out.clear().limit((int) Math.min(IO, left));
                while (out.hasRemaining()) {
                    left -= ch.write(out);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void receive(SocketChannel ch, ByteBuffer in, long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            in.clear().limit((int) Math.min(IO, left));
            int n = ch.read(in);
            if (n < 0) {
                throw new IOException("closed early");
            }
            left -= n;
        }
    }

    private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("closed early");
            }
        }
    }
}
