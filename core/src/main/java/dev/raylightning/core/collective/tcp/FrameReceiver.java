package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The incoming half of a collective: reads each frame (header and payload in one scattering
 * read) into one reused direct buffer and reduces or copies it straight into the caller's
 * buffer. Never blocks: {@link #pump} reads what is there and returns. {@link #progress()} tells
 * the sender which received chunks it may pass on.
 */
final class FrameReceiver {

    private final RingLink link;
    private final FailureLatch failures;
    private final int chunkFloats;
    private final ByteBuffer header = Frame.allocate();
    private final ByteBuffer payload;
    private final FloatBuffer payloadFloats;
    private final ByteBuffer[] frame;
    /** L1-sized blocks for the reduction: C2 vectorizes loops over arrays, not over buffers. */
    private final float[] blockA = new float[Kernels.BLOCK];
    private final float[] blockB = new float[Kernels.BLOCK];
    private Schedule s;
    private int entry;
    private int chunk;
    private int index;
    private int length;
    private boolean headerChecked;
    private long progress;
    /** Last time a byte arrived: the stall clock of the previous rank. */
    long lastProgress;

    FrameReceiver(RingLink link, FailureLatch failures, int chunkBytes) {
        this.link = link;
        this.failures = failures;
        this.chunkFloats = chunkBytes / 4;
        this.payload = ByteBuffer.allocateDirect(chunkBytes).order(ByteOrder.nativeOrder());
        this.payloadFloats = payload.asFloatBuffer();
        this.frame = new ByteBuffer[] {header, payload};
    }

    void start(Schedule schedule) {
        s = schedule;
        entry = 0;
        chunk = 0;
        index = 0;
        progress = 0;
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
            length = Math.min(chunkFloats, s.recvLen[entry] - chunk * chunkFloats);
            payload.clear().limit(length * 4);
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
            failures.raise(link.ioFailure(link.prevRank, e));
            throw RingStop.INSTANCE;
        }
        if (n < 0) {
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
        if (headerChecked && !payload.hasRemaining()) {
            apply();
            progress = Schedule.progress(s.recvStep[entry], chunk + 1);
            if (++chunk == Schedule.frames(s.recvLen[entry], chunkFloats)) {
                chunk = 0;
                entry++;
            }
            index++;
            expectFrame();
        }
        return true;
    }

    private void apply() {
        int off = chunk * chunkFloats;
        if (s.recvAction[entry] == Schedule.Action.COPY) {
            Kernels.copy(payloadFloats, s.recvDst[entry], s.recvDstOff[entry] + off, length);
        } else {
            Kernels.reduce(s.op, payloadFloats, s.recvMine[entry], s.recvMineOff[entry] + off, s.recvDst[entry],
                    s.recvDstOff[entry] + off, length, s.recvFinal[entry] ? s.divisor : 1, blockA, blockB);
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
        if (kind != Frame.DATA || seq != s.seq || opSig != s.opSig || count != s.count || gotIndex != index
                || gotLength != length * 4) {
            String got = kind != Frame.DATA ? "an unknown frame" : "call #" + seq + " " + RingPlans.opName(opSig)
                    + " of " + count + " floats (frame " + gotIndex + ", " + gotLength + " bytes)";
            failures.raise(Failure.detected(link.prevRank, Reason.MISMATCH, "called a different collective: it sent "
                    + got + " where this rank expected call #" + s.seq + " " + RingPlans.opName(s.opSig) + " of "
                    + s.count + " floats (frame " + index + ", " + length * 4 + " bytes)", link.self, null));
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
        payload.flip();
        while (payload.hasRemaining()) {
            header.clear();
            while (header.hasRemaining() && payload.hasRemaining()) {
                header.put(payload.get());
            }
            if (!header.hasRemaining() && Frame.field(header, 0) == Frame.ABORT) {
                link.takeNotice(header, link.prevRank);
            }
        }
        if (!header.hasRemaining()) {
            header.clear();
        }
        payload.clear().limit(0);
    }

    /**
     * On the failure path: skims whatever the previous rank still sends, frame by frame, without
     * applying it, to find an ABORT notice. Never throws.
     */
    void drain() {
        if (!headerChecked && !header.hasRemaining()) {
            header.clear(); // a header that stopped the call (a mismatch) is consumed
        }
        try {
            while (true) {
                if (headerChecked) {
                    // Mid-payload: skip the rest of this frame.
                    int n = link.prev.read(payload);
                    if (n <= 0 || payload.hasRemaining()) {
                        return;
                    }
                    header.clear();
                    headerChecked = false;
                }
                int n = link.prev.read(header);
                if (n <= 0 || header.hasRemaining()) {
                    return;
                }
                if (Frame.field(header, 0) == Frame.ABORT) {
                    link.takeNotice(header, link.prevRank);
                    header.clear();
                    continue;
                }
                int len = Frame.field(header, 5);
                if (len < 0 || len > payload.capacity()) {
                    return; // not a frame boundary: nothing more to learn
                }
                payload.clear().limit(len);
                headerChecked = true;
            }
        } catch (IOException e) {
            // the previous rank is gone: nothing more to learn from it
        }
    }
}
