package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds one rank's two ring connections: it connects to rank+1 and says hello (ranks, size, byte
 * order, and a tag that proves it knows the launch's secret), accepts rank-1 through a
 * {@link HelloGate} (answering OK; a stray connection gets REJECT and is dropped, and idle ones
 * cannot hold up the real peer), and waits for rank+1's answer. All before one deadline. No step
 * waits on another rank's accept: the kernel completes connections into the listen backlog, so
 * no two ranks can wait on each other.
 *
 * <p>On a failure it still tells the neighbours it reached who failed (ABORT frames), so that
 * ranks further away name the missing rank instead of their own neighbour.
 */
final class Rendezvous {

    /** Why a hello was refused (the REJECT frame's value). */
    private static final int WRONG_GROUP = 1;
    private static final int WRONG_RANKS = 2;
    private static final int WRONG_BYTE_ORDER = 3;
    static final int NOT_THIS_PROTOCOL = 4;

    record Links(SocketChannel next, SocketChannel prev) {}

    private static final class Failed extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Failure failure;

        Failed(Failure failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }

    private final int rank;
    private final int size;
    private final int prevRank;
    private final int nextRank;
    private final List<Endpoint> endpoints;
    private final RingListener listener;
    private final RingOptions options;
    private final GroupSecret secret;
    private final long deadline;
    private HelloGate gate;
    private SocketChannel next;
    private SocketChannel prev;
    private boolean helloSent;
    /** The next rank said OK already (seen while waiting for the previous rank). */
    private boolean answered;

    Rendezvous(int rank, List<Endpoint> endpoints, RingListener listener, RingOptions options,
            GroupSecret secret, long deadline) {
        this.rank = rank;
        this.size = endpoints.size();
        this.prevRank = Math.floorMod(rank - 1, size);
        this.nextRank = (rank + 1) % size;
        this.endpoints = endpoints;
        this.listener = listener;
        this.options = options;
        this.secret = secret;
        this.deadline = deadline;
    }

    /** Returns both connections, handshaken, in blocking mode; or throws naming the culprit. */
    Links establish() {
        try {
            connectNext();
            acceptPrev(deadline, null);
            awaitAnswer();
            return new Links(next, prev);
        } catch (Failed e) {
            tellNeighbours(e.failure);
            close(next);
            close(prev);
            throw e.failure.toException(rank, endpoints, "connect");
        } finally {
            if (gate != null) {
                gate.close();
            }
        }
    }

    private void connectNext() throws Failed {
        Endpoint to = endpoints.get(nextRank);
        String lastError = "";
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new Failed(Failure.detected(nextRank, Reason.TIMEOUT, "could not be reached within "
                        + Failure.seconds(options.connectTimeout().toNanos()) + lastError, rank, null));
            }
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open();
                configure(ch, options);
                ch.socket().connect(to.socketAddress(), (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                next = ch;
                break;
            } catch (IllegalArgumentException e) { // includes UnresolvedAddressException
                close(ch);
                throw new Failed(Failure.detected(nextRank, Reason.CLOSED, "has an unusable address", rank, e));
            } catch (SocketTimeoutException e) {
                close(ch);
                lastError = " (connect timed out)";
            } catch (IOException e) {
                // Refused: the peer may not listen yet, or has died; retry until the deadline.
                close(ch);
                lastError = " (" + e.getMessage() + ")";
                sleep(Math.min(TimeUnit.MILLISECONDS.toNanos(50), left));
            }
        }
        ByteBuffer hello = Frame.allocateHello();
        Frame.putHello(hello, rank, nextRank, size, secret);
        try {
            writeFully(next, hello);
            helloSent = true;
        } catch (IOException e) {
            throw new Failed(Failure.detected(nextRank, Reason.CLOSED, "closed the connection during the handshake",
                    rank, e));
        }
    }

    /**
     * Accepts until the previous rank says a valid hello; answers it OK, or with ABORT of
     * {@code failure} when this rank has already failed and only wants to tell it why.
     */
    private void acceptPrev(long until, Failure failure) throws Failed {
        while (true) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                throw new Failed(Failure.detected(prevRank, Reason.TIMEOUT, "did not connect within "
                        + Failure.seconds(options.connectTimeout().toNanos()), rank, null));
            }
            SocketChannel ch;
            try {
                // Short slices: a refusal from the next rank must not wait for this accept to time out.
                ch = gate().await(Math.min(until, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100)));
            } catch (IOException e) {
                throw new Failed(Failure.detected(rank, Reason.ABORTED, "could not accept connections: "
                        + e.getMessage(), rank, e));
            }
            if (ch == null) {
                if (failure == null) {
                    checkEarlyAnswer();
                }
                continue;
            }
            try {
                configure(ch, options);
                ByteBuffer answer = Frame.allocate();
                if (failure == null) {
                    Frame.putSimple(answer, Frame.OK, 0);
                } else {
                    Frame.putAbort(answer, 0, failure.origin(), failure.reason());
                }
                writeFully(ch, answer);
                prev = ch;
                return;
            } catch (IOException e) {
                close(ch); // it went away after its hello: keep waiting for the real one
            }
        }
    }

    private HelloGate gate() throws IOException {
        if (gate == null) {
            gate = new HelloGate(listener.channel(), this::check);
        }
        return gate;
    }

    private int check(ByteBuffer hello) {
        int kind = Frame.field(hello, 0);
        if (kind == Frame.HELLO_LE || kind == Frame.HELLO_BE) {
            if (kind != Frame.hello()) {
                return WRONG_BYTE_ORDER;
            }
            if (!Frame.tagMatches(hello, secret)) {
                return WRONG_GROUP;
            }
            if (Frame.field(hello, 1) != prevRank || Frame.field(hello, 2) != rank || Frame.field(hello, 3) != size) {
                return WRONG_RANKS;
            }
            return 0;
        }
        return WRONG_GROUP;
    }

    /** Reads the next rank's answer if it is already there (a REJECT or ABORT ends the wait). */
    private void checkEarlyAnswer() throws Failed {
        try {
            if (next != null && !answered && next.socket().getInputStream().available() >= Frame.BYTES) {
                interpret(readFrame(next, System.nanoTime() + TimeUnit.SECONDS.toNanos(1)));
                answered = true;
            }
        } catch (IOException e) {
            throw new Failed(Failure.detected(nextRank, Reason.CLOSED, "closed the connection during the handshake",
                    rank, e));
        }
    }

    private void awaitAnswer() throws Failed {
        if (answered) {
            return;
        }
        ByteBuffer answer;
        try {
            answer = readFrame(next, deadline);
        } catch (SocketTimeoutException e) {
            throw new Failed(Failure.detected(nextRank, Reason.TIMEOUT, "did not answer the handshake within "
                    + Failure.seconds(options.connectTimeout().toNanos()), rank, null));
        } catch (IOException e) {
            throw new Failed(Failure.detected(nextRank, Reason.CLOSED, "closed the connection during the handshake",
                    rank, e));
        }
        interpret(answer);
    }

    private void interpret(ByteBuffer answer) throws Failed {
        int kind = Frame.field(answer, 0);
        if (kind == Frame.OK) {
            return;
        }
        if (kind == Frame.ABORT) {
            throw new Failed(Failure.reported(Frame.field(answer, 2), Frame.reason(Frame.field(answer, 3)), nextRank));
        }
        String why = switch (kind == Frame.REJECT ? Frame.field(answer, 1) : 0) {
            case WRONG_GROUP -> "it belongs to another group (the secret differs)";
            case WRONG_RANKS -> "it expected other ranks or another group size";
            case WRONG_BYTE_ORDER -> "its byte order differs";
            default -> "it does not speak this protocol";
        };
        throw new Failed(Failure.detected(nextRank, Reason.REJECTED, "rejected the handshake: " + why, rank, null));
    }

    private void tellNeighbours(Failure f) {
        ByteBuffer abort = Frame.allocate();
        if (prev == null && f.origin() != prevRank) {
            try {
                acceptPrev(Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1)), f);
            } catch (Failed ignored) {
                // it never came; nobody to tell
            }
        } else if (prev != null) {
            Frame.putAbort(abort, 0, f.origin(), f.reason());
            tryWrite(prev, abort);
        }
        if (next != null && helloSent && f.origin() != nextRank) {
            Frame.putAbort(abort, 0, f.origin(), f.reason());
            tryWrite(next, abort);
        }
    }

    /** Large buffers and no Nagle delay: frames are big, but small collectives are latency bound. */
    static void configure(SocketChannel ch, RingOptions options) throws IOException {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (options.socketBufferBytes() > 0) {
            ch.setOption(StandardSocketOptions.SO_SNDBUF, options.socketBufferBytes());
            ch.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
        }
    }

    private static ByteBuffer readFrame(SocketChannel ch, long until) throws IOException {
        byte[] bytes = new byte[Frame.BYTES];
        InputStream in = ch.socket().getInputStream();
        int got = 0;
        while (got < bytes.length) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("no handshake in time");
            }
            ch.socket().setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            int n = in.read(bytes, got, bytes.length - got);
            if (n < 0) {
                throw new IOException("connection closed during the handshake");
            }
            got += n;
        }
        return ByteBuffer.wrap(bytes);
    }

    private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void tryWrite(SocketChannel ch, ByteBuffer b) {
        try {
            writeFully(ch, b);
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void close(java.nio.channels.Channel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
