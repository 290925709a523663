package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ProcessGroup} over plain TCP: the ranks form a ring (rank r sends to r+1) and every
 * collective is a ring algorithm, chunked and pipelined (see {@link RingPlans}). Buffers are
 * reduced in place between position and limit; positions and limits are left as they were.
 *
 * <p>Rendezvous, driven by whoever launches the ranks:
 * <pre>{@code
 * RingListener listener = TcpRingProcessGroup.listen("127.0.0.1");   // on every rank
 * Endpoint mine = listener.endpoint();                                // send to the driver
 * List<Endpoint> all = ...;                                           // the driver's list, by rank
 * ProcessGroup pg = TcpRingProcessGroup.connect(rank, all, listener, RingOptions.defaults());
 * pg.allReduce(gradients, ReduceOp.AVG);
 * }</pre>
 *
 * <p>Threads: none of its own. The caller's thread runs each collective as one non-blocking
 * loop that sends and receives in turn, so a ring never deadlocks on full socket buffers and
 * two ranks on two cores never fight over them. One collective runs at a time (calls are
 * serialized). Failures: a peer that closes, dies, stalls
 * past {@link RingOptions#collectiveTimeout()} or calls a different collective makes the call
 * throw {@link CollectiveException} on every rank, naming that peer; ranks tell each other who
 * failed (ABORT notices travel both ways around the ring). After a failure every call throws.
 */
public final class TcpRingProcessGroup implements ProcessGroup {

    private static final FloatBuffer EMPTY = FloatBuffer.allocate(0);
    private static final long STOP_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final int rank;
    private final int size;
    private final List<Endpoint> endpoints;
    private final RingOptions options;
    private final FailureLatch failures = new FailureLatch();
    private final RingLink link;
    private final FrameSender sender;
    private final FrameReceiver receiver;
    private final long stallNanos;
    private final Schedule schedule;
    private final RingPlans plans;
    private final long graceNanos;
    private final ReentrantLock opLock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private int seq;
    private CollectiveException firstFailure;
    /** Partial sums of reduceScatter, grown on demand and kept. */
    private FloatBuffer scratch = EMPTY;

    private TcpRingProcessGroup(int rank, List<Endpoint> endpoints, RingOptions options, Rendezvous.Links links)
            throws IOException {
        this.rank = rank;
        this.size = endpoints.size();
        this.endpoints = endpoints;
        this.options = options;
        this.schedule = new Schedule(RingPlans.maxSteps(size));
        this.plans = new RingPlans(rank, size);
        // Time a rank that timed out on a neighbour keeps listening for that neighbour's own verdict.
        this.graceNanos = Math.min(TimeUnit.SECONDS.toNanos(1), options.collectiveTimeout().toNanos() / 4);
        this.stallNanos = options.collectiveTimeout().toNanos();
        if (links == null) {
            link = null;
            sender = null;
            receiver = null;
            return;
        }
        link = new RingLink(rank, size, links.prev(), links.next(), failures);
        sender = new FrameSender(links.next(), options.chunkBytes());
        receiver = new FrameReceiver(link, failures, options.chunkBytes());
    }

    /** Opens this rank's listening socket on {@code host} (an ephemeral port), default options. */
    public static RingListener listen(String host) {
        return RingListener.open(host, RingOptions.defaults());
    }

    /** Opens this rank's listening socket; {@code options} gives its socket buffer size. */
    public static RingListener listen(String host, RingOptions options) {
        return RingListener.open(host, options);
    }

    /**
     * Builds the ring: connects to rank+1, accepts rank-1 on {@code listener} (which it then
     * closes), checks that every rank arrived, and returns the group. Fails with
     * {@link CollectiveException} naming the missing or misbehaving rank within
     * {@link RingOptions#connectTimeout()}.
     *
     * @param endpoints every rank's endpoint, in rank order, identical on all ranks
     */
    public static TcpRingProcessGroup connect(int rank, List<Endpoint> endpoints, RingListener listener,
            RingOptions options) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(options, "options");
        List<Endpoint> eps = List.copyOf(endpoints);
        if (eps.isEmpty() || eps.size() > 0xFFFF) {
            throw new IllegalArgumentException("need 1 to 65535 endpoints, got " + eps.size());
        }
        if (rank < 0 || rank >= eps.size()) {
            throw new IllegalArgumentException("rank " + rank + " outside 0.." + (eps.size() - 1));
        }
        long deadline = System.nanoTime() + options.connectTimeout().toNanos();
        long groupId = options.groupId() != 0 ? options.groupId() : deriveGroupId(eps);
        try {
            if (eps.size() == 1) {
                return new TcpRingProcessGroup(rank, eps, options, null);
            }
            Rendezvous.Links links = new Rendezvous(rank, eps, listener, options, groupId, deadline).establish();
            TcpRingProcessGroup group;
            try {
                group = new TcpRingProcessGroup(rank, eps, options, links);
            } catch (IOException e) {
                Rendezvous.close(links.next());
                Rendezvous.close(links.prev());
                throw exception(rank, eps, "connect",
                        Failure.detected(rank, Reason.ABORTED, "could not set up its sockets: " + e, rank, e));
            }
            try {
                group.connectBarrier(deadline);
            } catch (RuntimeException e) {
                group.close();
                throw e;
            }
            return group;
        } catch (IOException e) {
            throw exception(rank, eps, "connect", Failure.detected(rank, Reason.ABORTED, e.toString(), rank, e));
        } finally {
            listener.close();
        }
    }

    /**
     * Wires {@code size} ranks of this JVM over real loopback sockets (for tests and local runs):
     * each rank is connected on its own thread. The groups are returned in rank order.
     */
    public static List<TcpRingProcessGroup> local(int size, RingOptions options) {
        List<RingListener> listeners = new ArrayList<>();
        List<Endpoint> eps = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            RingListener l = listen("127.0.0.1", options);
            listeners.add(l);
            eps.add(l.endpoint());
        }
        TcpRingProcessGroup[] groups = new TcpRingProcessGroup[size];
        RuntimeException[] errors = new RuntimeException[size];
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int me = r;
            Thread t = new Thread(() -> {
                try {
                    groups[me] = connect(me, eps, listeners.get(me), options);
                } catch (RuntimeException e) {
                    errors[me] = e;
                }
            }, "ring-connect-r" + r);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while connecting", e);
            }
        }
        for (RuntimeException e : errors) {
            if (e != null) {
                for (TcpRingProcessGroup g : groups) {
                    if (g != null) {
                        g.close();
                    }
                }
                throw e;
            }
        }
        return List.of(groups);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    /** The endpoints the group was built from, in rank order. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    public RingOptions options() {
        return options;
    }

    @Override
    public void allReduce(FloatBuffer buffer, ReduceOp op) {
        Objects.requireNonNull(op, "op");
        int n = buffer.remaining();
        int base = buffer.position();
        opLock.lock();
        try {
            Schedule s = begin(RingPlans.ALL_REDUCE, op, 0, n);
            if (size == 1) {
                return;
            }
            plans.allReduce(s, buffer, base, n);
            run(s);
        } finally {
            opLock.unlock();
        }
    }

    @Override
    public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
        Objects.requireNonNull(op, "op");
        int n = output.remaining();
        if ((long) input.remaining() != (long) size * n) {
            throw new IllegalArgumentException("reduceScatter needs size * output = " + ((long) size * n)
                    + " input floats, got " + input.remaining());
        }
        opLock.lock();
        try {
            Schedule s = begin(RingPlans.REDUCE_SCATTER, op, 0, n);
            if (size == 1) {
                output.put(output.position(), input, input.position(), n);
                return;
            }
            long need = (long) (size - 2) * n;
            if (scratch.capacity() < need) {
                scratch = ByteBuffer.allocateDirect(Math.toIntExact(need * 4)).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
            }
            plans.reduceScatter(s, input, input.position(), output, output.position(), n, scratch);
            run(s);
        } finally {
            opLock.unlock();
        }
    }

    @Override
    public void allGather(FloatBuffer input, FloatBuffer output) {
        int n = input.remaining();
        if ((long) output.remaining() != (long) size * n) {
            throw new IllegalArgumentException("allGather needs size * input = " + ((long) size * n)
                    + " output floats, got " + output.remaining());
        }
        opLock.lock();
        try {
            Schedule s = begin(RingPlans.ALL_GATHER, null, 0, n);
            output.put(output.position() + rank * n, input, input.position(), n);
            if (size == 1) {
                return;
            }
            plans.allGather(s, input, input.position(), output, output.position(), n);
            run(s);
        } finally {
            opLock.unlock();
        }
    }

    @Override
    public void broadcast(FloatBuffer buffer, int root) {
        requireRoot(root);
        opLock.lock();
        try {
            Schedule s = begin(RingPlans.BROADCAST, null, root, buffer.remaining());
            if (size == 1) {
                return;
            }
            plans.broadcast(s, buffer, buffer.position(), buffer.remaining(), root);
            run(s);
        } finally {
            opLock.unlock();
        }
    }

    @Override
    public void reduce(FloatBuffer buffer, ReduceOp op, int root) {
        Objects.requireNonNull(op, "op");
        requireRoot(root);
        opLock.lock();
        try {
            Schedule s = begin(RingPlans.REDUCE, op, root, buffer.remaining());
            if (size == 1) {
                return;
            }
            plans.reduce(s, buffer, buffer.position(), buffer.remaining(), root);
            run(s);
        } finally {
            opLock.unlock();
        }
    }

    /** An all-gather of nothing: rank r hears, through the chain, from every other rank. */
    @Override
    public void barrier() {
        opLock.lock();
        try {
            Schedule s = begin(RingPlans.BARRIER, null, 0, 0);
            if (size == 1) {
                return;
            }
            plans.allGather(s, EMPTY, 0, EMPTY, 0, 0);
            run(s);
        } finally {
            opLock.unlock();
        }
    }

    /** The first exchange on the new ring, bounded by the connect deadline. */
    private void connectBarrier(long deadline) {
        opLock.lock();
        try {
            Schedule s = begin(RingPlans.BARRIER, null, 0, 0);
            s.name = "connect";
            s.deadlineNanos = deadline;
            plans.allGather(s, EMPTY, 0, EMPTY, 0, 0);
            run(s);
        } finally {
            opLock.unlock();
        }
    }

    private Schedule begin(int opcode, ReduceOp op, int root, int count) {
        if (closed.get()) {
            throw new IllegalStateException("rank " + rank + ": the process group is closed");
        }
        if (firstFailure != null) {
            throw new CollectiveException("rank " + rank + ": the group failed earlier and cannot be used: "
                    + firstFailure.getMessage(), firstFailure.operation(), firstFailure.peerRank(),
                    firstFailure.reason(), firstFailure);
        }
        int sig = RingPlans.opSig(opcode, op, root);
        schedule.begin(RingPlans.opName(sig) + "#" + (seq + 1) + " of " + count + " floats", ++seq, sig, count,
                op, op == ReduceOp.AVG ? size : 1);
        return schedule;
    }

    /** The event loop of one collective: pump receives and sends until both are done. */
    private void run(Schedule s) {
        boolean ok = false;
        if (failures.get() == null) {
            try {
                loop(s);
                ok = true;
            } catch (RingStop stop) {
                // the latch says why
            } catch (IOException e) {
                failures.raise(link.ioFailure(link.nextRank, e));
            } catch (RuntimeException | Error e) {
                failures.raise(Failure.detected(rank, Reason.ABORTED, "failed: " + e, rank, e));
            }
        }
        if (!ok) {
            fail(s);
        }
        s.clear();
    }

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
                    (blamePrev ? "sent nothing for " : "accepted no data for ") + seconds(since), rank));
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
            tellNeighbours(f, s.seq);
            if (f.suspect()) {
                long end = System.nanoTime() + graceNanos;
                while (failures.get() == f && end - System.nanoTime() > 0) {
                    link.waitQuietly(end - System.nanoTime(), false);
                    receiver.drain();
                }
                if (failures.get() != f) {
                    tellNeighbours(failures.get(), s.seq);
                }
            }
            s.clear();
            firstFailure = exception(rank, endpoints, s.name, failures.get());
            throw firstFailure;
        } finally {
            if (link.takeLostInterrupt() || interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void tellNeighbours(Failure f, int seq) {
        link.notifyPrev(f, seq);
        sender.announce(f, seq, link, System.nanoTime() + graceNanos);
    }

    static CollectiveException exception(int self, List<Endpoint> eps, String operation, Failure f) {
        String who = (f.origin() == self ? "this rank" : "rank " + f.origin())
                + (f.origin() >= 0 && f.origin() < eps.size() ? " (" + eps.get(f.origin()) + ")" : "");
        String by = f.reporter() == self ? "" : ", as reported by rank " + f.reporter();
        String message = "rank " + self + ": " + operation + " failed: " + who + " " + f.detail() + by;
        return new CollectiveException(message, operation, f.origin(), f.reason(), f.cause());
    }

    /** Releases the sockets; a collective running on another thread fails. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || link == null) {
            return;
        }
        boolean locked = opLock.tryLock();
        try {
            if (!locked) {
                failures.raise(Failure.detected(rank, Reason.ABORTED, "closed the group during a collective", rank,
                        null));
                locked = opLock.tryLock(STOP_WAIT_NANOS, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            link.close();
            if (locked) {
                opLock.unlock();
            }
        }
    }

    private void requireRoot(int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("root " + root + " outside 0.." + (size - 1));
        }
    }

    static String seconds(long nanos) {
        double s = nanos / 1e9;
        return (s == Math.rint(s) ? String.format(Locale.ROOT, "%.0f", s) : String.format(Locale.ROOT, "%.3g", s))
                + " s";
    }

    /** FNV-1a over the endpoint list: every rank holds the same list, strangers almost never do. */
    private static long deriveGroupId(List<Endpoint> eps) {
        long h = 0xcbf29ce484222325L;
        for (byte b : eps.toString().getBytes(StandardCharsets.UTF_8)) {
            h ^= b;
            h *= 0x100000001b3L;
        }
        return h == 0 ? 1 : h;
    }

    @Override
    public String toString() {
        return "TcpRingProcessGroup[rank " + rank + " of " + size + "]";
    }
}
