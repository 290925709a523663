package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A rank's two ring connections (non-blocking) and the one selector that waits on both. Data
 * flows in from the previous rank and out to the next; the reverse direction of the next
 * connection brings ABORT notices (and the next rank's close), the reverse direction of the
 * previous one carries this rank's notices back.
 */
final class RingLink {

    final int self;
    final int prevRank;
    final int nextRank;
    private final int size;
    final SocketChannel prev;
    final SocketChannel next;
    private final FailureLatch failures;
    private final Selector selector;
    private final SelectionKey prevKey;
    private final SelectionKey nextKey;
    /** End of stream seen: stop watching that direction, or every wait would return at once. */
    boolean prevEof;
    private boolean nextEof;
    private final ByteBuffer control = Frame.allocate();
    private final ByteBuffer notice = Frame.allocate();
    /** An interrupt that arrived on the failure path, for the caller to restore. */
    private boolean lostInterrupt;

    RingLink(int self, int size, SocketChannel prev, SocketChannel next, FailureLatch failures) throws IOException {
        this.self = self;
        this.prevRank = Math.floorMod(self - 1, size);
        this.nextRank = (self + 1) % size;
        this.size = size;
        this.prev = prev;
        this.next = next;
        this.failures = failures;
        prev.configureBlocking(false);
        next.configureBlocking(false);
        this.selector = Selector.open();
        this.prevKey = prev.register(selector, SelectionKey.OP_READ);
        this.nextKey = next.register(selector, SelectionKey.OP_READ);
        failures.onRaise(this::wake);
    }

    /** Wakes a waiting caller (another thread closed the group). */
    void wake() {
        try {
            selector.wakeup();
        } catch (ClosedSelectorException ignored) {
            // closing
        }
    }

    /**
     * Sleeps until the previous rank sends, the next rank takes data ({@code wantWrite}) or sends a
     * notice, a wake-up, or {@code nanos} pass. Notices are handled here; an interrupt fails the group.
     */
    void waitIo(long nanos, boolean wantWrite) {
        if (nextKey.isValid()) {
            nextKey.interestOps((nextEof ? 0 : SelectionKey.OP_READ) | (wantWrite ? SelectionKey.OP_WRITE : 0));
        }
        if (prevKey.isValid()) {
            prevKey.interestOps(prevEof ? 0 : SelectionKey.OP_READ);
        }
        try {
            selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
        } catch (IOException | ClosedSelectorException e) {
            failures.raise(Failure.detected(self, Reason.ABORTED, "could not wait for its peers: " + e, self, e));
            throw RingStop.INSTANCE;
        }
        boolean control = nextKey.isValid() && nextKey.isReadable() && selector.selectedKeys().contains(nextKey);
        selector.selectedKeys().clear();
        if (control) {
            pollControl();
        }
        if (Thread.currentThread().isInterrupted()) {
            failures.raise(Failure.detected(self, Reason.ABORTED, "was interrupted", self, null));
            throw RingStop.INSTANCE;
        }
    }

    /** Like {@link #waitIo} on the failure path: never throws; an interrupt is put aside. */
    void waitQuietly(long nanos, boolean wantWrite) {
        try {
            waitIo(nanos, wantWrite);
        } catch (RingStop stop) {
            lostInterrupt |= Thread.interrupted();
        }
    }

    /** Whether an interrupt was put aside on the failure path (and forgets it). */
    boolean takeLostInterrupt() {
        boolean was = lostInterrupt;
        lostInterrupt = false;
        return was;
    }

    /** Reads ABORT notices (or notes the close) that the next rank sends back against the data flow. */
    private void pollControl() {
        try {
            while (true) {
                int n = next.read(control);
                if (n < 0) {
                    nextEof = true; // fatal only while there is still something to send: see nextClosed()
                    return;
                }
                if (n == 0) {
                    return;
                }
                if (!control.hasRemaining()) {
                    if (Frame.field(control, 0) == Frame.ABORT) {
                        takeNotice(control, nextRank);
                    }
                    control.clear();
                }
            }
        } catch (IOException e) {
            nextEof = true;
            if (e instanceof ClosedByInterruptException) {
                failures.raise(ioFailure(nextRank, e));
            }
        }
    }

    /**
     * The next rank closed its end. Only fatal to a call that still has frames to send it: a
     * next rank that finished the last call and closed at once has received everything, while
     * this rank may still be reading that rank's last frames from the kernel.
     */
    boolean nextClosed() {
        return nextEof;
    }

    void takeNotice(ByteBuffer frame, int from) {
        int origin = Frame.field(frame, 2);
        if (origin < 0 || origin >= size) {
            origin = from; // not a rank of this group: the sender itself is the one at fault
        }
        Reason reason = Frame.reason(Frame.field(frame, 3));
        failures.offerNotice(Failure.reported(origin, reason, from), from, self);
    }

    /** NIO closes a channel whose thread is interrupted during I/O: that is this rank aborting. */
    Failure ioFailure(int peer, IOException e) {
        if (e instanceof ClosedByInterruptException) {
            return Failure.detected(self, Reason.ABORTED, "was interrupted", self, e);
        }
        return Failure.detected(peer, Reason.CLOSED, "closed its connection (" + e.getMessage() + ")", self, e);
    }

    /**
     * Tells the previous rank who failed (best effort: one non-blocking write), even when it is
     * the one blamed: a stalled rank then fails fast when it wakes up.
     */
    void notifyPrev(Failure f, int seq) {
        Frame.putAbort(notice, seq, f.origin(), f.reason());
        try {
            prev.write(notice);
        } catch (IOException ignored) {
            // the previous rank is gone; it needs no notice
        }
    }

    void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
        Rendezvous.close(next);
        Rendezvous.close(prev);
    }
}
