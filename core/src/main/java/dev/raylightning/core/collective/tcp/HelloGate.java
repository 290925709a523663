package dev.raylightning.core.collective.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * Accepts connections on a rank's listener and reads their hellos side by side, never blocking on
 * one of them: an idle, slow or hostile connection gets {@link #HELLO_NANOS} to say its hello and
 * is then dropped, while the real peer passes as soon as it has spoken. A connection whose hello
 * fails the check gets a REJECT (best effort) and is closed; it never counts as a peer.
 */
final class HelloGate implements AutoCloseable {

    /** How long an accepted connection may take to send its whole hello. */
    static final long HELLO_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Connections read at once; a further one pushes out the oldest. */
    static final int MAX_PENDING = 64;

    private record Pending(SocketChannel channel, SelectionKey key, ByteBuffer hello, long deadline) {}

    private final ServerSocketChannel server;
    /** 0 lets a complete hello in; anything else is the REJECT frame's reason. */
    private final ToIntFunction<ByteBuffer> check;
    private final Selector selector;
    /** In order of arrival, so also of deadline. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    HelloGate(ServerSocketChannel server, ToIntFunction<ByteBuffer> check) throws IOException {
        this.server = server;
        this.check = check;
        this.selector = Selector.open();
        try {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    /**
     * Waits until {@code until} (System.nanoTime) at most for a connection whose hello passes the
     * check; returns it in blocking mode with the hello consumed, or null once the time is up.
     */
    SocketChannel await(long until) throws IOException {
        while (true) {
            long now = System.nanoTime();
            expire(now);
            if (now >= until) {
                return null;
            }
            long wait = until - now;
            if (!pending.isEmpty()) {
                wait = Math.min(wait, pending.peekFirst().deadline() - now);
            }
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
            SocketChannel passed = null;
            Iterator<SelectionKey> ready = selector.selectedKeys().iterator();
            while (ready.hasNext() && passed == null) {
                SelectionKey key = ready.next();
                ready.remove();
                if (!key.isValid()) {
                    continue;
                }
                if (key.channel() == server) {
                    acceptAll();
                } else {
                    passed = read((Pending) key.attachment());
                }
            }
            if (passed != null) {
                selector.selectedKeys().clear(); // the rest stay ready and show up again
                selector.selectNow(); // completes the cancel of the passed channel's key
                passed.configureBlocking(true);
                return passed;
            }
        }
    }

    private void acceptAll() throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            try {
                ch.configureBlocking(false);
                SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
                Pending p = new Pending(ch, key, Frame.allocateHello(), System.nanoTime() + HELLO_NANOS);
                key.attach(p);
                pending.addLast(p);
            } catch (IOException e) {
                Rendezvous.close(ch);
                continue;
            }
            if (pending.size() > MAX_PENDING) {
                drop(pending.peekFirst());
            }
        }
    }

    /** Reads what the connection sent; returns it once its whole hello passes. */
    private SocketChannel read(Pending p) {
        try {
            if (p.channel().read(p.hello()) < 0) {
                drop(p);
                return null;
            }
        } catch (IOException e) {
            drop(p);
            return null;
        }
        ByteBuffer hello = p.hello();
        if (hello.position() >= 4 && !isHello(Frame.field(hello, 0))) {
            reject(p, Rendezvous.NOT_THIS_PROTOCOL); // not this protocol: no need to wait for the rest
            return null;
        }
        if (hello.hasRemaining()) {
            return null;
        }
        int why = check.applyAsInt(hello);
        if (why != 0) {
            reject(p, why);
            return null;
        }
        pending.remove(p);
        p.key().cancel();
        return p.channel();
    }

    private static boolean isHello(int kind) {
        return kind == Frame.HELLO_LE || kind == Frame.HELLO_BE;
    }

    private void reject(Pending p, int why) {
        ByteBuffer answer = Frame.allocate();
        Frame.putSimple(answer, Frame.REJECT, why);
        try {
            p.channel().write(answer); // one small write into an empty send buffer
        } catch (IOException ignored) {
            // it is being dropped anyway
        }
        drop(p);
    }

    private void expire(long now) {
        while (!pending.isEmpty() && pending.peekFirst().deadline() - now <= 0) {
            drop(pending.peekFirst());
        }
    }

    private void drop(Pending p) {
        pending.remove(p);
        p.key().cancel();
        Rendezvous.close(p.channel());
    }

    /** Closes every connection still being read and stops watching the listener (which stays open). */
    @Override
    public void close() {
        while (!pending.isEmpty()) {
            drop(pending.peekFirst());
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
