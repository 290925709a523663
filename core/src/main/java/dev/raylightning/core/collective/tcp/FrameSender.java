package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.ReduceKernels;
import dev.raylightning.core.collective.WireKernels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.SocketChannel;

/**
 * The outgoing half of a collective: walks the schedule's sends frame by frame and, once the
 * chunk a frame depends on has been received, writes header and payload in one gathering write:
 * the payload straight from the caller's bytes when it has some, else staged from its floats.
 * Never blocks: {@link #pump} writes what the socket takes and returns.
 */
final class FrameSender {

    private final SocketChannel next;
    private final int chunkBytes;
    /** Values per full frame in the current call: fewer bytes per value, more values per frame. */
    private int chunkValues;
    private final ByteBuffer header = Frame.allocate();
    private final ByteBuffer staging;
    private final FloatBuffer stagingFloats;
    private final ByteBuffer[] frame;
    /** Blocks for encoding this rank's own chunks in a 16-bit all-reduce. */
    private final float[] block = new float[ReduceKernels.BLOCK];
    private final short[] shorts = new short[ReduceKernels.BLOCK];
    private Schedule s;
    private int entry;
    private int chunk;
    private int index;
    private boolean inFlight;
    /** Last time a frame was staged or a byte written: the stall clock of the next rank. */
    long lastProgress;
    /** Bytes written to the next rank since the group started, headers included (tests read it). */
    long bytesSent;

    FrameSender(SocketChannel next, int chunkBytes) {
        this.next = next;
        this.chunkBytes = chunkBytes;
        this.staging = ByteBuffer.allocateDirect(chunkBytes).order(ByteOrder.nativeOrder());
        this.stagingFloats = staging.asFloatBuffer();
        this.frame = new ByteBuffer[] {header, staging};
        header.limit(0);
        staging.limit(0);
    }

    void start(Schedule schedule) {
        s = schedule;
        chunkValues = chunkBytes / s.valueBytes();
        entry = 0;
        chunk = 0;
        index = 0;
        inFlight = false;
        lastProgress = System.nanoTime();
    }

    boolean done() {
        return !inFlight && entry >= s.sends;
    }

    /** A frame is half written and waits for socket space. */
    boolean wantsWrite() {
        return inFlight;
    }

    /**
     * Writes until the socket is full, one frame is complete, or the next frame depends on a
     * chunk not received yet ({@code progress}, see {@link Schedule#progress}). Returns whether
     * anything moved.
     */
    boolean pump(long progress) throws IOException {
        if (!inFlight && !stageNext(progress)) {
            return false;
        }
        long n = next.write(frame);
        if (n > 0) {
            lastProgress = System.nanoTime();
            bytesSent += n;
        }
        if (!header.hasRemaining() && !frame[1].hasRemaining()) {
            inFlight = false;
            if (++chunk == Schedule.frames(s.sendLen[entry], chunkValues)) {
                chunk = 0;
                entry++;
            }
            return true;
        }
        return n > 0;
    }

    private boolean stageNext(long progress) {
        if (entry >= s.sends) {
            return false;
        }
        if (s.sendDependent[entry] && progress < Schedule.progress(s.sendStep[entry] - 1, chunk + 1)) {
            return false;
        }
        int f = Schedule.frameFloats(s.sendLen[entry], chunkValues);
        int off = chunk * f;
        int n = Math.min(f, s.sendLen[entry] - off);
        Region src = s.sendSrc[entry];
        if (s.wire.isCompressed()) {
            int at = s.sendOff[entry] + off;
            if (!s.sendDependent[entry]) { // this rank's own input: encoded here, frame by frame
                WireKernels.encode(s.wire, src.floats, src.base + at, s.wireShorts, at, n, block, shorts);
            } // else a partial sum or a gathered chunk that the receiver left encoded: sent unchanged
            frame[1] = Region.window(s.wireSend, at, n, s.valueBytes());
        } else if (src.sendView != null) {
            frame[1] = Region.window(src.sendView, s.sendOff[entry] + off, n); // straight from the caller
        } else {
            ReduceKernels.stage(src.floats, src.base + s.sendOff[entry] + off, stagingFloats, n);
            staging.clear().limit(n * 4);
            frame[1] = staging;
        }
        Frame.putData(header, s.seq, s.opSig, s.count, index++, n * s.valueBytes());
        inFlight = true;
        lastProgress = System.nanoTime();
        return true;
    }

    /**
     * After a failure: completes a half-written frame (so the next rank stays at a frame boundary)
     * and writes an ABORT notice, waiting for socket space through {@code link} until
     * {@code deadline}. Best effort: returns false if the next rank takes nothing.
     */
    boolean announce(Failure f, int seq, RingLink link, long deadline) {
        try {
            if (!writeOut(link, deadline)) {
                return false;
            }
            inFlight = false;
            Frame.putAbort(header, seq, f.origin(), f.reason());
            staging.clear().limit(0);
            frame[1] = staging;
            return writeOut(link, deadline);
        } catch (IOException e) {
            return false;
        }
    }

    private boolean writeOut(RingLink link, long deadline) throws IOException {
        while (header.hasRemaining() || frame[1].hasRemaining()) {
            if (next.write(frame) == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                link.waitQuietly(left, true);
            }
        }
        return true;
    }
}
