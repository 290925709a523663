package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.WireFormat;
import dev.raylightning.core.collective.WireReduce;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ProcessGroup} over plain TCP: the ranks form a ring (rank r sends to r+1) and every
 * collective is a ring algorithm, chunked and pipelined (see {@link RingPlans}). Buffers are
 * reduced in place between position and limit; positions and limits are left as they were.
 * Every collective also takes native-order floats as a {@link ByteBuffer}: then the sockets
 * read and write the caller's memory itself (a {@code FloatBuffer} cannot be handed to a
 * socket, so sends are staged and gathered chunks copied, one memcpy each).
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

    private static final long STOP_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final int rank;
    private final int size;
    private final List<Endpoint> endpoints;
    private final RingOptions options;
    private final FailureLatch failures = new FailureLatch();
    private final RingEngine engine;
    private final Schedule schedule;
    private final RingPlans plans;
    private final ReentrantLock opLock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private int seq;
    private CollectiveException firstFailure;
    private final Region regionA = new Region();
    private final Region regionB = new Region();
    private final Region emptyRegion = new Region().of(FloatBuffer.allocate(0));
    private ByteBuffer scratchBytes = ByteBuffer.allocateDirect(0);
    private final Region scratchRegion = new Region().of(scratchBytes);
    /** The encoded values of a 16-bit all-reduce: a direct buffer grown on demand and kept. */
    private ByteBuffer wireBytes = ByteBuffer.allocateDirect(0);

    private TcpRingProcessGroup(int rank, List<Endpoint> endpoints, RingOptions options, Rendezvous.Links links)
            throws IOException {
        this.rank = rank;
        this.size = endpoints.size();
        this.endpoints = endpoints;
        this.options = options;
        this.schedule = new Schedule(RingPlans.maxSteps(size));
        this.plans = new RingPlans(rank, size);
        this.engine = links == null ? null : new RingEngine(rank, endpoints, links, failures, options);
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
     * closes), checks that every rank arrived, and returns the group. A connection whose hello
     * lacks proof of {@link RingOptions#secret()} is refused and never joins. Fails with
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
        if (eps.size() > 1 && options.secret() == null) {
            listener.close();
            throw new IllegalArgumentException("connecting " + eps.size() + " ranks needs the launch's secret: create"
                    + " one with GroupSecret.random() where the ranks are started and give it to every rank"
                    + " (RingOptions.withSecret)");
        }
        long deadline = System.nanoTime() + options.connectTimeout().toNanos();
        try {
            if (eps.size() == 1) {
                return new TcpRingProcessGroup(rank, eps, options, null);
            }
            Rendezvous.Links links = new Rendezvous(rank, eps, listener, options, options.secret(), deadline).establish();
            TcpRingProcessGroup group;
            try {
                group = new TcpRingProcessGroup(rank, eps, options, links);
            } catch (IOException e) {
                Rendezvous.close(links.next());
                Rendezvous.close(links.prev());
                throw Failure.detected(rank, Reason.ABORTED, "could not set up its sockets: " + e, rank, e)
                        .toException(rank, eps, "connect");
            }
            try {
                group.connectBarrier(deadline);
            } catch (RuntimeException e) {
                group.close();
                throw e;
            }
            return group;
        } catch (IOException e) {
            throw Failure.detected(rank, Reason.ABORTED, e.toString(), rank, e).toException(rank, eps, "connect");
        } finally {
            listener.close();
        }
    }

    /**
     * Wires {@code size} ranks of this JVM over real loopback sockets (for tests and local runs):
     * each rank is connected on its own thread, with a fresh secret unless {@code options} has one.
     * The groups are returned in rank order.
     */
    public static List<TcpRingProcessGroup> local(int size, RingOptions options) {
        return LocalRing.connect(size, options);
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
        call(RingPlans.ALL_REDUCE, op, 0, buffer, null);
    }

    /**
     * {@link #allReduce(FloatBuffer, ReduceOp)} on native-order floats given as bytes (for
     * example DJL's {@code toByteBuffer()} view of a tensor): the sockets then read and write the
     * caller's memory directly, with no staging copies.
     */
    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op) {
        call(RingPlans.ALL_REDUCE, op, 0, floats, null);
    }

    /**
     * The ring all-reduce with 16-bit frames: half the bytes of a float32 one, {@code 2 * (size-1)
     * / size * 2n} sent per rank for n floats (plus a 24-byte header per frame). Each rank rounds
     * its own values to {@code wire} as it first uses them; at every reduce-scatter hop a rank
     * decodes the incoming partial sum, adds its value in float32 and encodes the sum to send
     * on; the rank that completes a segment divides (AVG) and rounds it once more, and the
     * all-gather forwards those final 16-bit chunks unchanged, so every rank decodes the same
     * bits. Holds a 2n-byte buffer of encodings, kept between calls.
     */
    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op, WireFormat wire) {
        WireReduce.check(floats, op, wire);
        call(RingPlans.ALL_REDUCE, op, 0, floats, null, wire);
    }

    @Override
    public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
        call(RingPlans.REDUCE_SCATTER, op, 0, input, output);
    }

    /** {@link #reduceScatter(FloatBuffer, FloatBuffer, ReduceOp)} on native-order float bytes. */
    @Override
    public void reduceScatter(ByteBuffer input, ByteBuffer output, ReduceOp op) {
        call(RingPlans.REDUCE_SCATTER, op, 0, input, output);
    }

    @Override
    public void allGather(FloatBuffer input, FloatBuffer output) {
        call(RingPlans.ALL_GATHER, null, 0, input, output);
    }

    /** {@link #allGather(FloatBuffer, FloatBuffer)} on native-order float bytes. */
    @Override
    public void allGather(ByteBuffer input, ByteBuffer output) {
        call(RingPlans.ALL_GATHER, null, 0, input, output);
    }

    @Override
    public void broadcast(FloatBuffer buffer, int root) {
        call(RingPlans.BROADCAST, null, root, buffer, null);
    }

    /** {@link #broadcast(FloatBuffer, int)} on native-order float bytes. */
    @Override
    public void broadcast(ByteBuffer floats, int root) {
        call(RingPlans.BROADCAST, null, root, floats, null);
    }

    @Override
    public void reduce(FloatBuffer buffer, ReduceOp op, int root) {
        call(RingPlans.REDUCE, op, root, buffer, null);
    }

    /** {@link #reduce(FloatBuffer, ReduceOp, int)} on native-order float bytes. */
    @Override
    public void reduce(ByteBuffer floats, ReduceOp op, int root) {
        call(RingPlans.REDUCE, op, root, floats, null);
    }

    /** An all-gather of nothing: rank r hears, through the chain, from every other rank. */
    @Override
    public void barrier() {
        call(RingPlans.BARRIER, null, 0, null, null);
    }

    /** Checks the arguments, then runs one collective under the group's lock. */
    private void call(int opcode, ReduceOp op, int root, Buffer a, Buffer b) {
        call(opcode, op, root, a, b, WireFormat.FLOAT32);
    }

    private void call(int opcode, ReduceOp op, int root, Buffer a, Buffer b, WireFormat wire) {
        if (opcode != RingPlans.ALL_GATHER && opcode != RingPlans.BROADCAST && opcode != RingPlans.BARRIER) {
            Objects.requireNonNull(op, "op");
        }
        if (opcode == RingPlans.BROADCAST || opcode == RingPlans.REDUCE) {
            requireRoot(root);
        }
        long na = floats(a);
        long nb = floats(b);
        // Where results land must be writable; checked before anything is sent.
        Buffer written = opcode == RingPlans.REDUCE_SCATTER || opcode == RingPlans.ALL_GATHER ? b : a;
        if (written != null && written.isReadOnly()) {
            throw new IllegalArgumentException("the buffer that receives the result is read-only");
        }
        if (opcode == RingPlans.REDUCE_SCATTER && na != size * nb) {
            throw new IllegalArgumentException("reduceScatter needs size * output = " + size * nb
                    + " input floats, got " + na);
        }
        if (opcode == RingPlans.ALL_GATHER && nb != size * na) {
            throw new IllegalArgumentException("allGather needs size * input = " + size * na
                    + " output floats, got " + nb);
        }
        opLock.lock();
        try {
            Region ra = a == null ? emptyRegion : region(regionA, a);
            Region rb = b == null ? emptyRegion : region(regionB, b);
            int n = opcode == RingPlans.REDUCE_SCATTER ? rb.length : ra.length;
            Schedule s = begin(opcode, op, root, n, wire);
            if (wire.isCompressed()) {
                s.wire(wire, wireBuffer(n));
                if (size == 1) { // no wire, but the same rounding as on a ring
                    for (int i = 0; i < n; i++) {
                        ra.floats.put(ra.base + i, wire.round(ra.floats.get(ra.base + i)));
                    }
                }
            }
            if (opcode == RingPlans.ALL_GATHER) {
                rb.floats.put(rb.base + rank * n, ra.floats, ra.base, n); // our own part
            }
            if (size == 1) {
                if (opcode == RingPlans.REDUCE_SCATTER) {
                    rb.floats.put(rb.base, ra.floats, ra.base, n);
                }
                return;
            }
            switch (opcode) {
                case RingPlans.ALL_REDUCE -> plans.allReduce(s, ra, n);
                case RingPlans.REDUCE_SCATTER -> plans.reduceScatter(s, ra, rb, n, scratch((long) (size - 2) * n));
                case RingPlans.ALL_GATHER -> plans.allGather(s, ra, rb, n);
                case RingPlans.BROADCAST -> plans.broadcast(s, ra, n, root);
                case RingPlans.REDUCE -> plans.reduce(s, ra, n, root);
                default -> plans.allGather(s, emptyRegion, emptyRegion, 0);
            }
            run(s);
        } finally {
            regionA.clear();
            regionB.clear();
            opLock.unlock();
        }
    }

    private static long floats(Buffer b) {
        if (b == null) {
            return 0;
        }
        if (b instanceof ByteBuffer && b.remaining() % 4 != 0) {
            throw new IllegalArgumentException("float bytes must come in fours, got " + b.remaining());
        }
        return b instanceof ByteBuffer ? b.remaining() / 4 : b.remaining();
    }

    private static Region region(Region r, Buffer b) {
        return b instanceof ByteBuffer bytes ? r.of(bytes) : r.of((FloatBuffer) b);
    }

    /** Partial sums of reduceScatter: a direct buffer grown on demand and kept, zero-copy on the wire. */
    private Region scratch(long floats) {
        if (scratchBytes.capacity() < floats * 4) {
            scratchBytes = ByteBuffer.allocateDirect(Math.toIntExact(floats * 4)).order(ByteOrder.nativeOrder());
            scratchRegion.of(scratchBytes);
        }
        return scratchRegion;
    }

    private ByteBuffer wireBuffer(int values) {
        if (wireBytes.capacity() < values * 2L) {
            wireBytes = ByteBuffer.allocateDirect(Math.multiplyExact(values, 2)).order(ByteOrder.nativeOrder());
        }
        return wireBytes;
    }

    /** Bytes this rank has written to its next rank since the group started, headers included (tests). */
    long bytesSent() {
        return engine == null ? 0 : engine.bytesSent();
    }

    /** The first exchange on the new ring, bounded by the connect deadline. */
    private void connectBarrier(long deadline) {
        opLock.lock();
        try {
            Schedule s = begin(RingPlans.BARRIER, null, 0, 0, WireFormat.FLOAT32);
            s.fixedName = "connect";
            s.deadlineNanos = deadline;
            plans.allGather(s, emptyRegion, emptyRegion, 0);
            run(s);
        } finally {
            opLock.unlock();
        }
    }

    private Schedule begin(int opcode, ReduceOp op, int root, int count, WireFormat wire) {
        if (closed.get()) {
            throw new IllegalStateException("rank " + rank + ": the process group is closed");
        }
        if (firstFailure != null) {
            throw new CollectiveException("rank " + rank + ": the group failed earlier and cannot be used: "
                    + firstFailure.getMessage(), firstFailure.operation(), firstFailure.peerRank(),
                    firstFailure.reason(), firstFailure);
        }
        int sig = RingPlans.opSig(opcode, op, root, wire);
        schedule.begin(++seq, sig, count, op, op == ReduceOp.AVG ? size : 1);
        return schedule;
    }

    private void run(Schedule s) {
        try {
            engine.run(s);
        } catch (CollectiveException e) {
            firstFailure = e;
            throw e;
        }
    }

    /** Releases the sockets; a collective running on another thread fails. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || engine == null) {
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
            engine.close();
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

    @Override
    public String toString() {
        return "TcpRingProcessGroup[rank " + rank + " of " + size + "]";
    }
}
