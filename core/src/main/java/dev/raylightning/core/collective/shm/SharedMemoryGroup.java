package dev.raylightning.core.collective.shm;

import dev.raylightning.core.collective.ForwardingProcessGroup;
import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.WireFormat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process group whose large all-reduces go through shared memory when every rank runs on the
 * same host, and everything else through the wrapped group (a TCP ring, say). A socket ring
 * copies every byte through the kernel twice per hop; here each rank copies the chunks its peers
 * reduce into its own mapped segment, reduces its own chunk from its buffer and its peers'
 * segments into its segment, and copies the reduced chunks back: about three passes over memory
 * and two barriers. A small all-reduce (see {@link #ONE_BARRIER_PROPERTY}) takes one barrier:
 * every rank publishes all of its buffer and reduces every rank's copy itself. The barriers are
 * counters in shared memory too ({@link SegmentBarrier}: a waiting rank sleeps on a futex until
 * its peer arrives), or those of the wrapped group where futexes are not available or
 * {@code -Dray.lightning.shm-barrier=ring} asks for them.
 *
 * <p>Each rank owns two segments and alternates between them call by call, so a rank may start
 * the next call while a slower peer still reads the last one's result. Segment files (see
 * {@link SegmentFiles}: owner-only, unpredictable names) are removed as soon as every rank has
 * mapped them, and on every failure before that; files of crashed processes are removed by the
 * next group that starts. When {@code /dev/shm} lacks room for a new set of segments, or one
 * cannot be made, the group says why once and stays on the wrapped group from then on.
 *
 * <p>Shared memory has no wire to shrink, so a 16-bit all-reduce goes to the wrapped group as it
 * is: over a TCP ring it halves the bytes on the sockets, with the ring's rounding and its
 * bit-identical results on every rank.
 */
public final class SharedMemoryGroup extends ForwardingProcessGroup {

    private static final Logger LOG = LoggerFactory.getLogger(SharedMemoryGroup.class);
    /** System property: smallest all-reduce in bytes that uses shared memory; a negative value turns it off. */
    public static final String THRESHOLD_PROPERTY = "ray.lightning.shm-threshold-bytes";
    /**
     * Default threshold: with futex barriers shared memory took about half the ring's time from
     * 64 KiB up (docs/tcp-ring.md), and the example CNN's 82 KB gradient gained end to end.
     */
    public static final long DEFAULT_THRESHOLD = 64L << 10;
    /**
     * System property: how the ranks wait for each other inside a shared-memory call, {@code futex}
     * (counters in shared memory, sleeping on a futex: the default where Linux futexes are
     * available) or {@code ring} (barriers of the wrapped group).
     */
    public static final String BARRIER_PROPERTY = "ray.lightning.shm-barrier";
    /**
     * System property: the largest piece of an all-reduce that goes through the segments at once,
     * in bytes (a multiple of 4, at least 4096); larger buffers go piece by piece, so segments never
     * grow beyond it.
     */
    public static final String PIECE_PROPERTY = "ray.lightning.shm-piece-bytes";
    /**
     * Default piece: 16 MiB. A segment of the largest buffer's size was touched in both parities
     * and added about 100 MB to the peak of a worker all-reducing a 67 MB gradient; two more
     * barriers per 16 MiB cost well under a percent of such a call.
     */
    public static final int DEFAULT_PIECE_BYTES = 16 << 20;
    /**
     * System property: all-reduces of at most this many bytes times (ranks - 1) take one barrier,
     * every rank reducing all of the call; larger ones split the work in chunks over two barriers.
     */
    public static final String ONE_BARRIER_PROPERTY = "ray.lightning.shm-one-barrier-bytes";
    /**
     * Default for {@link #ONE_BARRIER_PROPERTY}: 128 KiB. Between two ranks one barrier cut the
     * median at 64 KiB and the slow tail at 64 and 128 KiB; from 256 KiB up splitting the
     * reduction between the ranks was faster (docs/tcp-ring.md).
     */
    public static final long DEFAULT_ONE_BARRIER_BYTES = 128L << 10;
    // where a barrier's caller is, so that ranks in different calls fail instead of mixing data
    private static final int ALL_REDUCE_INPUTS = 1;
    private static final int ALL_REDUCE_CHUNKS = 2;
    private static final int REDUCE_SCATTER_INPUTS = 3;
    private static final int ALL_GATHER_INPUTS = 4;
    private static final int BARRIER = 5;
    private static final int ALL_REDUCE_WHOLE = 6;
    static final Path SHM_DIR = Path.of("/dev/shm");

    private final SegmentSetup setup;
    private final HostProbe.Host host;
    private final long threshold;
    private final int pieceBytes;
    private final long oneBarrierBytes;
    private final boolean futexBarriers;
    /** The barrier in shared memory, made with the first segments; null while the wrapped group's serves. */
    private SegmentBarrier barrier;
    private boolean shared;
    private String notSharedReason;
    private final SegmentReducer reducer = new SegmentReducer();
    private final DataSegments data;

    private SharedMemoryGroup(ProcessGroup inner, SegmentFiles files, HostProbe.Host host, long threshold,
            LongSupplier usableBytes, SizeProperties sizes, String notSharedReason) {
        super(inner);
        this.setup = host == null ? null : new SegmentSetup(inner, files, host, usableBytes);
        this.data = setup == null ? null : new DataSegments(setup, sizes.pieceBytes());
        this.host = host;
        this.threshold = threshold;
        this.pieceBytes = sizes.pieceBytes();
        this.oneBarrierBytes = sizes.oneBarrierBytes();
        // the host's vote: every rank waits the same way, on the ring's barriers unless all have futexes
        this.futexBarriers = host != null && host.futexes();
        this.shared = host != null;
        this.notSharedReason = notSharedReason;
    }

    /**
     * Wraps {@code inner}; every rank must call this at the same point (it runs collectives to
     * find out whether all ranks share a host). {@code secret} is the launch's secret, the same on
     * every rank: the group's file names derive from it.
     */
    public static SharedMemoryGroup wrap(ProcessGroup inner, GroupSecret secret) {
        return wrap(inner, secret, SizeProperties.bytes(THRESHOLD_PROPERTY, DEFAULT_THRESHOLD));
    }

    /** As {@link #wrap(ProcessGroup, GroupSecret)} with an explicit threshold in bytes (negative: never). */
    public static SharedMemoryGroup wrap(ProcessGroup inner, GroupSecret secret, long thresholdBytes) {
        return wrap(inner, secret, thresholdBytes, SHM_DIR, () -> SegmentSetup.usableBytes(SHM_DIR));
    }

    /** The same with another directory and source of its usable bytes (tests). */
    static SharedMemoryGroup wrap(ProcessGroup inner, GroupSecret secret, long thresholdBytes, Path dir,
            LongSupplier usableBytes) {
        return wrap(inner, secret, thresholdBytes, dir, usableBytes,
                !"ring".equals(System.getProperty(BARRIER_PROPERTY, "futex")));
    }

    /** The same, asking for futex barriers or not, whatever {@link #BARRIER_PROPERTY} says (tests). */
    static SharedMemoryGroup wrap(ProcessGroup inner, GroupSecret secret, long thresholdBytes, Path dir,
            LongSupplier usableBytes, boolean futexBarriers) {
        Objects.requireNonNull(secret, "secret");
        SizeProperties sizes = SizeProperties.read(); // refused before any collective: every rank fails alike
        SegmentFiles files = new SegmentFiles(dir, secret);
        if (thresholdBytes < 0 || inner.size() == 1) {
            return new SharedMemoryGroup(inner, files, null, thresholdBytes, usableBytes, sizes,
                    thresholdBytes < 0 ? "turned off (negative threshold)" : "a single rank");
        }
        HostProbe.Host host = HostProbe.run(inner, files, futexBarriers && Futex.available());
        return new SharedMemoryGroup(inner, files, host, thresholdBytes, usableBytes, sizes,
                host == null ? "the ranks do not all see each other's files in " + dir : null);
    }

    /** Whether large all-reduces of this group go through shared memory. */
    public boolean isShared() {
        return shared;
    }

    /**
     * Whether the ranks wait for each other inside shared-memory calls in shared memory (on
     * futexes) rather than through the wrapped group; false until the first such call.
     */
    public boolean hasSharedMemoryBarriers() {
        return barrier != null;
    }

    /**
     * Bytes of each mapped segment now (0 before the first shared-memory call); all-reduces keep
     * it within the piece size.
     */
    public long segmentBytes() {
        return data == null ? 0 : data.capacity();
    }

    /** Why large all-reduces go through the wrapped group; empty while they use shared memory. */
    public Optional<String> notSharedReason() {
        return Optional.ofNullable(notSharedReason);
    }

    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op) {
        int bytes = floats.remaining();
        if (!takes(bytes)) {
            delegate().allReduce(floats, op);
            return;
        }
        allReduceShared(Parts.of(floats), op);
    }

    /**
     * The parts straight through the segments, read from and written back to each buffer, when
     * they come to at least the threshold together; false otherwise (nothing happened).
     */
    @Override
    public boolean allReduceParts(ByteBuffer[] parts, ReduceOp op) {
        if (!takes(floatBytes(parts))) {
            return false;
        }
        allReduceShared(Parts.of(parts), op);
        return true;
    }

    /** Whether a call of {@code bytes} of floats goes through the segments: shared, at least the threshold. */
    private boolean takes(long bytes) {
        return shared && bytes >= threshold && bytes % Float.BYTES == 0 && bytes <= Integer.MAX_VALUE;
    }

    /** The parts' bytes together, or -1 when one of them does not hold whole floats. */
    private static long floatBytes(ByteBuffer[] parts) {
        long bytes = 0;
        for (ByteBuffer p : parts) {
            if (p.remaining() % Float.BYTES != 0) {
                return -1;
            }
            bytes += p.remaining();
        }
        return bytes;
    }

    private void allReduceShared(Parts floats, ReduceOp op) {
        int bytes = floats.bytes();
        for (int off = 0; off < bytes; off += pieceBytes) {
            int len = Math.min(pieceBytes, bytes - off);
            allReducePiece(len == bytes ? floats : floats.slice(off, len), op); // one piece: no slicing
        }
    }

    /** One piece of at most {@link #pieceBytes} through the segments (every rank has the same pieces). */
    private void allReducePiece(Parts floats, ReduceOp op) {
        int bytes = floats.bytes();
        if ((long) bytes * (size() - 1) <= oneBarrierBytes) {
            allReduceInOneBarrier(floats, op);
            return;
        }
        int n = bytes / Float.BYTES;
        int start = chunkStart(n, rank());
        int len = chunkStart(n, rank() + 1) - start;
        // peers read only the other chunks of this rank's input: its own chunk is reduced straight
        // from the caller's buffers, and only the result lands in the segment
        MappedSegment[] seg = !shared ? null // an earlier piece found no room: all ranks went back
                : publish("allReduce", ALL_REDUCE_INPUTS, floats, start * Float.BYTES, (start + len) * Float.BYTES);
        if (seg == null) {
            allReduceOnWrappedGroup(floats, op);
            return;
        }
        reducer.chunk(op, seg, rank(), floats, start, len, seg[rank()].floats, start);
        sync("allReduce", ALL_REDUCE_CHUNKS, bytes);
        for (int k = 0; k < size(); k++) {
            int s = chunkStart(n, k) * Float.BYTES;
            floats.copyFrom(seg[k].bytes, s, s, chunkStart(n, k + 1) * Float.BYTES - s);
        }
    }

    /**
     * A small piece: every rank publishes all of it and, after one barrier, reduces every rank's
     * copy into its own buffers. Each rank does the whole reduction, not a chunk, but waits once
     * instead of twice; a late wake-up of a sleeping rank is most of a small call's time.
     */
    private void allReduceInOneBarrier(Parts floats, ReduceOp op) {
        MappedSegment[] seg = !shared ? null : publish("allReduce", ALL_REDUCE_WHOLE, floats, 0, 0);
        if (seg == null) {
            allReduceOnWrappedGroup(floats, op);
            return;
        }
        reducer.all(op, seg, floats);
    }

    /** Where segments could not be made: one buffer as it is, several through one staging copy. */
    private void allReduceOnWrappedGroup(Parts floats, ReduceOp op) {
        ByteBuffer single = floats.single();
        if (single != null) {
            delegate().allReduce(single, op);
            return;
        }
        ByteBuffer staged = ByteBuffer.allocateDirect(floats.bytes()).order(ByteOrder.nativeOrder());
        floats.copyTo(0, staged, 0, floats.bytes());
        delegate().allReduce(staged, op);
        floats.copyFrom(staged, 0, 0, floats.bytes());
    }

    /** In shared memory once the first shared-memory call made the barrier; through the wrapped group before. */
    @Override
    public void barrier() {
        sync("barrier", BARRIER, 0);
    }

    /** float32 takes this group's own path (shared memory when large); 16-bit wires go to the ring. */
    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op, WireFormat wire) {
        if (wire == WireFormat.FLOAT32) {
            allReduce(floats, op);
        } else {
            delegate().allReduce(floats, op, wire);
        }
    }

    private int chunkStart(int n, int k) {
        return (int) ((long) n * k / size());
    }

    /**
     * The segments of the next call, at least {@code bytes} each; null when the group has fallen
     * back to the wrapped group (for good).
     */
    private MappedSegment[] nextSegments(long bytes) {
        if (futexBarriers && barrier == null) {
            makeBarrier();
            if (!shared) {
                return null;
            }
        }
        MappedSegment[] seg = data.next(bytes);
        if (seg == null) {
            stayOnWrappedGroup(data.problem());
        }
        return seg;
    }

    /** Makes the barrier in shared memory; where it cannot be made the group stays on the wrapped group. */
    private void makeBarrier() {
        SegmentBarrier.Made made = SegmentBarrier.make(setup, host.pids(), delegate());
        if (made.barrier() == null) {
            stayOnWrappedGroup(made.problem());
            return;
        }
        barrier = made.barrier();
    }

    /** All ranks found together that segments cannot be made: every call goes to the wrapped group from now on. */
    private void stayOnWrappedGroup(String problem) {
        shared = false;
        notSharedReason = problem;
        LOG.warn("rank {}: all-reduces stay on {} from now on: {}", rank(), delegate(), problem);
    }

    /**
     * Each rank copies its input, but for its own chunk, into its segment, then reduces its own
     * chunk (from its input) with every peer's segment into {@code output}: one copy in of the
     * chunks peers read, one pass per peer, one barrier.
     */
    @Override
    public void reduceScatter(ByteBuffer input, ByteBuffer output, ReduceOp op) {
        if (!reduceScatterShared(Parts.of(input), output, op)) {
            delegate().reduceScatter(input, output, op);
        }
    }

    /** The same, reading the input from the parts where they lie; false (nothing done) below the threshold. */
    @Override
    public boolean reduceScatterParts(ByteBuffer[] inputs, ByteBuffer output, ReduceOp op) {
        return takes(floatBytes(inputs)) && reduceScatterShared(Parts.of(inputs), output, op);
    }

    private boolean reduceScatterShared(Parts in, ByteBuffer output, ReduceOp op) {
        int bytes = in.bytes();
        if (!takes(bytes) || (long) output.remaining() * size() != bytes) {
            return false;
        }
        int n = output.remaining() / Float.BYTES;
        int start = rank() * n;
        // peers never read this rank's own chunk: it is combined straight from the caller's buffers
        MappedSegment[] seg = publish("reduceScatter", REDUCE_SCATTER_INPUTS, in, start * Float.BYTES,
                (start + n) * Float.BYTES);
        if (seg == null) {
            return false;
        }
        reducer.chunk(op, seg, rank(), in, start, n, output.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer(),
                0);
        return true;
    }

    /** Each rank copies its input into its segment; after one barrier every rank reads all of them. */
    @Override
    public void allGather(ByteBuffer input, ByteBuffer output) {
        if (!allGatherShared(input, Parts.of(output))) {
            delegate().allGather(input, output);
        }
    }

    /** The same, writing straight into the parts; false (nothing written) below the threshold. */
    @Override
    public boolean allGatherParts(ByteBuffer input, ByteBuffer[] outputs) {
        return takes(floatBytes(outputs)) && allGatherShared(input, Parts.of(outputs));
    }

    private boolean allGatherShared(ByteBuffer input, Parts output) {
        int bytes = output.bytes();
        int n = input.remaining();
        if (!takes(bytes) || (long) n * size() != bytes) {
            return false;
        }
        MappedSegment[] seg = publish("allGather", ALL_GATHER_INPUTS, Parts.of(input), 0, 0);
        if (seg == null) {
            return false;
        }
        for (int k = 0; k < size(); k++) {
            output.copyFrom(seg[k].bytes, 0, k * n, n);
        }
        return true;
    }

    /**
     * Copies {@code input}, but for its bytes {@code [skipFrom, skipTo)} that no peer reads, into
     * this rank's segment of the next parity and waits until every rank did the same. One barrier
     * suffices: a rank writes a parity's segment again only two calls later, after a barrier that
     * every peer passes only once it finished reading.
     */
    private MappedSegment[] publish(String operation, int kind, Parts input, int skipFrom, int skipTo) {
        MappedSegment[] seg = nextSegments(input.bytes());
        if (seg == null) {
            return null;
        }
        ByteBuffer own = seg[rank()].bytes;
        input.copyTo(0, own, 0, skipFrom);
        input.copyTo(skipTo, own, skipTo, input.bytes() - skipTo);
        sync(operation, kind, input.bytes());
        return seg;
    }

    /** Waits for every rank at this point of a shared-memory call: in shared memory, or through the wrapped group. */
    private void sync(String operation, int kind, long bytes) {
        if (barrier != null) {
            barrier.await(operation, SegmentBarrier.descriptor(kind, bytes));
        } else {
            delegate().barrier();
        }
    }

    @Override
    public void close() {
        try {
            if (barrier != null) {
                barrier.close(); // peers still waiting learn that this rank left
            }
            if (data != null) {
                data.release();
            }
        } finally {
            delegate().close();
        }
    }

    @Override
    public String toString() {
        return "SharedMemoryGroup(" + (shared ? "shared memory from " + threshold + " bytes"
                + (barrier != null ? ", futex barriers" : "") : "not shared: " + notSharedReason)
                + ", " + delegate() + ")";
    }
}
