package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs collectives on one rank: a single non-blocking loop on the caller's thread that pumps
 * the receiving and the sending half in turn, so a ring never deadlocks on full socket buffers
 * and needs no thread of its own (two ranks on two cores do not fight over them; hand-offs
 * between threads cost more than they overlapped, measured). When something fails it tells both
 * neighbours who failed, gives a timeout suspicion a short grace to be corrected, and throws.
 */
final class RingEngine {

    private final int rank;
    private final List<Endpoint> endpoints;
    private final FailureLatch failures;
    private final RingLink link;
    private final FrameSender sender;
    private final FrameReceiver receiver;
    private final long stallNanos;
    /** How long a rank that timed out on a neighbour listens for that neighbour's own verdict. */
    private final long graceNanos;

    RingEngine(int rank, List<Endpoint> endpoints, Rendezvous.Links links, FailureLatch failures, RingOptions options)
            throws IOException {
        this.rank = rank;
        this.endpoints = endpoints;
        this.failures = failures;
        this.stallNanos = options.collectiveTimeout().toNanos();
        this.graceNanos = Math.min(TimeUnit.SECONDS.toNanos(1), stallNanos / 4);
        this.link = new RingLink(rank, endpoints.size(), links.prev(), links.next(), failures);
        this.sender = new FrameSender(links.next(), options.chunkBytes());
        this.receiver = new FrameReceiver(link, failures, options.chunkBytes());
    }

    /** Bytes this rank has written to its next rank, headers included. */
    long bytesSent() {
        return sender.bytesSent;
    }

    /** Runs {@code s} to the end, or throws {@link CollectiveException} (the group is failed then). */
    void run(Schedule s) {
        boolean ok = false;
        if (failures.get() == null) {
            try {
                loop(s);
                ok = true;
            } catch (RingStop stop) {
                // the latch says why
            } catch (IOException e) {
                failures.raise(link.ioFailure(link.nextRank, e)); // only writes to the next rank throw
            } catch (RuntimeException | Error e) {
                failures.raise(Failure.detected(rank, Reason.ABORTED, "failed: " + e, rank, e));
            }
        }
        if (!ok) {
            fail(s);
        }
        s.clear();
    }

    /** The event loop: pump receives and sends until both are done. */
    private void loop(Schedule s) throws IOException {
        receiver.start(s);
        sender.start(s);
        while (!receiver.done() || !sender.done()) {
            if (failures.get() != null) {
                throw RingStop.INSTANCE;
            }
            // Receive first: it frees the sender's dependencies and keeps the previous rank flowing.
            boolean moved = receiver.pump();
            moved |= sender.pump(receiver.progress());
            if (link.nextClosed() && !sender.done()) {
                failures.raise(Failure.detected(link.nextRank, Reason.CLOSED, "closed its connection", rank, null));
                throw RingStop.INSTANCE;
            }
            if (!moved) {
                awaitPeers(s);
            }
        }
    }

    /** Nothing moved: sleeps until a peer does, or fails the group once one stalls too long. */
    private void awaitPeers(Schedule s) {
        long now = System.nanoTime();
        boolean receiving = !receiver.done();
        boolean writing = sender.wantsWrite();
        long deadline = s.deadlineNanos;
        if (receiving) {
            deadline = Math.min(deadline, receiver.lastProgress + stallNanos);
        }
        if (writing) {
            deadline = Math.min(deadline, sender.lastProgress + stallNanos);
        }
        if (now - deadline >= 0) {
            boolean blamePrev = receiving && (!writing || receiver.lastProgress <= sender.lastProgress);
            long since = now - (blamePrev ? receiver.lastProgress : sender.lastProgress);
            failures.raise(Failure.suspected(blamePrev ? link.prevRank : link.nextRank,
                    (blamePrev ? "sent nothing for " : "accepted no data for ") + Failure.seconds(since), rank));
            throw RingStop.INSTANCE;
        }
        link.waitIo(deadline == Long.MAX_VALUE ? TimeUnit.SECONDS.toNanos(1) : deadline - now, writing);
    }

    /**
     * Tells both neighbours who failed; after a timeout, listens a little longer for the
     * suspect's own verdict (it may only have been waiting on someone else); then throws.
     */
    private void fail(Schedule s) {
        // Put an interrupt aside while telling the others (waits would return at once), then restore it.
        boolean interrupted = Thread.interrupted();
        try {
            Failure f = failures.get();
            if (f == null) {
                failures.raise(Failure.detected(rank, Reason.ABORTED, "stopped for an unknown reason", rank, null));
                f = failures.get();
            }
            f = refuseFalseBlame(f);
            tellNeighbours(f, s.seq);
            // A timeout is a guess that neighbours may correct, possibly more than once as the
            // verdict travels: keep listening (and passing corrections on) for the whole grace.
            Failure told = f;
            long end = System.nanoTime() + graceNanos;
            while (told.suspect() && end - System.nanoTime() > 0) {
                link.waitQuietly(end - System.nanoTime(), false);
                receiver.drain();
                Failure now = failures.get();
                if (now != told) {
                    tellNeighbours(now, s.seq);
                    told = now;
                }
            }
            s.clear();
            throw failures.get().toException(rank, endpoints, s.label());
        } finally {
            if (link.takeLostInterrupt() || interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * A neighbour that timed out waiting for this rank blames it; but if this rank has itself
     * been waiting on a neighbour for half the timeout or more, it is not the one stuck: the
     * blame moves to the neighbour it waits on. (A rank that only just arrived keeps the blame.)
     */
    private Failure refuseFalseBlame(Failure f) {
        if (f.origin() != rank || f.reporter() == rank || f.reason() != Reason.TIMEOUT) {
            return f;
        }
        long now = System.nanoTime();
        boolean waitingOnPrev = !receiver.done() && now - receiver.lastProgress >= stallNanos / 2;
        boolean waitingOnNext = sender.wantsWrite() && now - sender.lastProgress >= stallNanos / 2;
        if (!waitingOnPrev && !waitingOnNext) {
            return f;
        }
        Failure mine = waitingOnPrev
                ? Failure.suspected(link.prevRank, "sent nothing for " + Failure.seconds(now - receiver.lastProgress),
                        rank)
                : Failure.suspected(link.nextRank, "accepted no data for "
                        + Failure.seconds(now - sender.lastProgress), rank);
        return failures.replace(f, mine) ? mine : failures.get();
    }

    private void tellNeighbours(Failure f, int seq) {
        link.notifyPrev(f, seq);
        sender.announce(f, seq, link, System.nanoTime() + graceNanos);
    }

    void close() {
        link.close();
    }
}
