package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.ReduceKernels;
import dev.raylightning.core.collective.WireKernels;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * The incoming half of a collective: reads each frame (header and payload in one scattering
 * read) into one reused direct buffer and reduces it straight into the caller's buffer; a frame
 * that is only copied lands in the caller's bytes directly when it has some. Never blocks:
 * {@link #pump} reads what is there and returns. {@link #progress()} tells the sender which
 * received chunks it may pass on.
 */
final class FrameReceiver {

    private final RingLink link;
    private final FailureLatch failures;
    private final int chunkBytes;
    /** Values per full frame in the current call: fewer bytes per value, more values per frame. */
    private int chunkValues;
    private final ByteBuffer header = Frame.allocate();
    private final ByteBuffer payload;
    private final FloatBuffer payloadFloats;
    private final ShortBuffer payloadShorts;
    private final ByteBuffer[] frame;
    /** L1-sized blocks for the reduction: C2 vectorizes loops over arrays, not over buffers. */
    private final float[] blockA = new float[ReduceKernels.BLOCK];
    private final float[] blockB = new float[ReduceKernels.BLOCK];
    private final short[] blockC = new short[ReduceKernels.BLOCK];
    private Schedule s;
    private int entry;
    private int chunk;
    private int index;
    private int length;
    private boolean headerChecked;
    private long progress;
    private boolean draining;
    /** Where the current frame's payload starts in {@code frame[1]}. */
    private int frameStart;
    private int skip;
    /** Last time a byte arrived: the stall clock of the previous rank. */
    long lastProgress;

    FrameReceiver(RingLink link, FailureLatch failures, int chunkBytes) {
        this.link = link;
        this.failures = failures;
        this.chunkBytes = chunkBytes;
        this.payload = ByteBuffer.allocateDirect(chunkBytes).order(ByteOrder.nativeOrder());
        this.payloadFloats = payload.asFloatBuffer();
        this.payloadShorts = payload.asShortBuffer();
        this.frame = new ByteBuffer[] {header, payload};
    }

    void start(Schedule schedule) {
        s = schedule;
        chunkValues = chunkBytes / s.valueBytes();
        entry = 0;
        chunk = 0;
        index = 0;
        progress = 0;
        draining = false;
        lastProgress = System.nanoTime();
        expectFrame();
    }

    boolean done() {
        return entry >= s.recvs;
    }

    long progress() {
        return progress;
    }

    private void expectFrame() {
        header.clear();
        headerChecked = false;
        if (entry < s.recvs) {
            int f = Schedule.frameFloats(s.recvLen[entry], chunkValues);
            int off = chunk * f;
            length = Math.min(f, s.recvLen[entry] - off);
            Region dst = s.recvDst[entry];
            if (s.recvAction[entry] == Schedule.Action.COPY && s.wire.isCompressed()) {
                // lands encoded where it is forwarded from, unchanged
                frame[1] = Region.window(s.wireRecv, s.recvDstOff[entry] + off, length, s.valueBytes());
            } else if (s.recvAction[entry] == Schedule.Action.COPY && dst.recvView != null) {
                frame[1] = Region.window(dst.recvView, s.recvDstOff[entry] + off, length); // lands in place
            } else {
                payload.clear().limit(length * s.valueBytes());
                frame[1] = payload;
            }
            frameStart = frame[1].position();
        }
    }

    /** Reads what is there, applying a frame once complete; returns whether any byte arrived. */
    boolean pump() {
        if (done()) {
            return false;
        }
        long n;
        try {
            n = link.prev.read(frame);
        } catch (IOException e) {
            link.prevEof = true;
            failures.raise(link.ioFailure(link.prevRank, e));
            throw RingStop.INSTANCE;
        }
        if (n < 0) {
            link.prevEof = true;
            failures.raise(Failure.detected(link.prevRank, Reason.CLOSED, "closed its connection", link.self, null));
            throw RingStop.INSTANCE;
        }
        if (n == 0) {
            return false;
        }
        lastProgress = System.nanoTime();
        if (!headerChecked && !header.hasRemaining()) {
            checkHeader();
        }
        if (headerChecked && !frame[1].hasRemaining()) {
            apply();
            progress = Schedule.progress(s.recvStep[entry], chunk + 1);
            if (++chunk == Schedule.frames(s.recvLen[entry], chunkValues)) {
                chunk = 0;
                entry++;
            }
            index++;
            expectFrame();
        }
        return true;
    }

    private void apply() {
        if (s.wire.isCompressed()) {
            applyWire();
            return;
        }
        if (frame[1] != payload) {
            return; // read in place
        }
        int off = chunk * Schedule.frameFloats(s.recvLen[entry], chunkValues);
        Region dst = s.recvDst[entry];
        if (s.recvAction[entry] == Schedule.Action.COPY) {
            ReduceKernels.copy(payloadFloats, dst.floats, dst.base + s.recvDstOff[entry] + off, length);
        } else {
            Region mine = s.recvMine[entry];
            ReduceKernels.reduce(s.op, payloadFloats, mine.floats, mine.base + s.recvMineOff[entry] + off, dst.floats,
                    dst.base + s.recvDstOff[entry] + off, length, s.recvFinal[entry] ? s.divisor : 1, blockA,
                    blockB);
        }
    }

    /**
     * A 16-bit frame: a gathered chunk already lies encoded in the wire buffer and is decoded into
     * the caller's floats; a partial sum is decoded, added and re-encoded into the wire buffer
     * (see {@link WireKernels#reduce}), from where the sender passes it on.
     */
    private void applyWire() {
        int at = s.recvDstOff[entry] + chunk * Schedule.frameFloats(s.recvLen[entry], chunkValues);
        Region dst = s.recvDst[entry];
        if (s.recvAction[entry] == Schedule.Action.COPY) {
            WireKernels.decode(s.wire, s.wireShorts, at, dst.floats, dst.base + at, length, blockA, blockC);
        } else {
            Region mine = s.recvMine[entry];
            int mineAt = mine.base + s.recvMineOff[entry] + (at - s.recvDstOff[entry]);
            boolean last = s.recvFinal[entry];
            WireKernels.reduce(s.wire, payloadShorts, mine.floats, mineAt, s.wireShorts, at, dst.floats,
                    dst.base + at, length, last ? s.divisor : 1, last, blockA, blockB, blockC);
        }
    }

    private void checkHeader() {
        int kind = Frame.field(header, 0);
        if (kind == Frame.ABORT) {
            link.takeNotice(header, link.prevRank);
            takeFollowingNotices();
            throw RingStop.INSTANCE;
        }
        int seq = Frame.field(header, 1);
        int opSig = Frame.field(header, 2);
        int count = Frame.field(header, 3);
        int gotIndex = Frame.field(header, 4);
        int gotLength = Frame.field(header, 5);
        if (kind == Frame.DATA && seq == s.seq && opSig == s.opSig && count == s.count && gotIndex == index
                && gotLength != length * s.valueBytes()) {
            failures.raise(Failure.detected(link.prevRank, Reason.INVALID, "sent a frame length of " + gotLength
                    + " bytes, refused: frame " + index + " of call #" + s.seq + " " + RingPlans.opName(s.opSig)
                    + " holds exactly " + length * s.valueBytes() + " bytes", link.self, null));
            throw RingStop.INSTANCE;
        }
        if (kind != Frame.DATA || seq != s.seq || opSig != s.opSig || count != s.count || gotIndex != index
                || gotLength != length * s.valueBytes()) {
            String got = kind != Frame.DATA ? "an unknown frame" : "call #" + seq + " " + RingPlans.opName(opSig)
                    + " of " + count + " floats (frame " + gotIndex + ", " + gotLength + " bytes)";
            failures.raise(Failure.detected(link.prevRank, Reason.MISMATCH, "called a different collective: it sent "
                    + got + " where this rank expected call #" + s.seq + " " + RingPlans.opName(s.opSig) + " of "
                    + s.count + " floats (frame " + index + ", " + length * s.valueBytes() + " bytes)", link.self,
                    null));
            throw RingStop.INSTANCE;
        }
        headerChecked = true;
    }

    /**
     * Only notices follow a notice, and the scattering read may have put some into the payload
     * buffer already: take them in order, and keep a partial one in the header buffer for
     * {@link #drain()}.
     */
    private void takeFollowingNotices() {
        ByteBuffer got = frame[1].duplicate();
        got.limit(got.position()).position(frameStart);
        while (got.hasRemaining()) {
            header.clear();
            while (header.hasRemaining() && got.hasRemaining()) {
                header.put(got.get());
            }
            if (!header.hasRemaining() && Frame.field(header, 0) == Frame.ABORT) {
                link.takeNotice(header, link.prevRank);
            }
        }
        if (!header.hasRemaining()) {
            header.clear();
        }
        payload.clear().limit(0);
        frame[1] = payload;
    }

    /**
     * On the failure path: skims whatever the previous rank still sends, frame by frame, without
     * applying it, to find an ABORT notice. Never throws.
     */
    void drain() {
        if (!draining) {
            draining = true;
            skip = headerChecked ? frame[1].remaining() : 0; // the rest of a half-read frame
            if (!headerChecked && !header.hasRemaining()) {
                header.clear(); // a header that stopped the call (a mismatch) is consumed
            }
        }
        try {
            while (true) {
                if (skip > 0) {
                    payload.clear().limit(Math.min(skip, payload.capacity()));
                    int n = link.prev.read(payload);
                    if (n <= 0) {
                        link.prevEof |= n < 0;
                        return;
                    }
                    skip -= n;
                    continue;
                }
                int n = link.prev.read(header);
                if (n <= 0 || header.hasRemaining()) {
                    link.prevEof |= n < 0;
                    return;
                }
                if (Frame.field(header, 0) == Frame.ABORT) {
                    link.takeNotice(header, link.prevRank);
                } else {
                    skip = Frame.field(header, 5);
                    if (skip < 0 || skip > payload.capacity()) {
                        skip = 0;
                        return; // not a frame boundary: nothing more to learn
                    }
                }
                header.clear();
            }
        } catch (IOException e) {
            link.prevEof = true; // the previous rank is gone: nothing more to learn from it
        }
    }
}
