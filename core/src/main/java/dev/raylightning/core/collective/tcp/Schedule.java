package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.WireFormat;

import java.nio.ByteBuffer;
import java.nio.ShortBuffer;

/**
 * One rank's part of one collective: the segments it sends to its next rank and the segments it
 * receives from its previous rank, step by step. A send of step t may depend on the receive of
 * step t-1 (the segment received is the segment passed on), chunk by chunk: that dependency is
 * all the pipelining needs. Filled anew for every call into arrays allocated once.
 *
 * <p>Offsets are float indices into {@link Region}s. Every step moves at least one frame, empty
 * segments included, so both ends always agree on the number of frames.
 */
final class Schedule {

    /** What a received chunk does to the destination. */
    enum Action { REDUCE, COPY }

    // The call.
    /** A fixed label ("connect"), or null for the usual one built by {@link #label()}. */
    String fixedName;
    int seq;
    int opSig;
    int count;
    ReduceOp op;
    /** Divides final reductions by this (the group size for AVG), or 1. */
    int divisor;
    /** Absolute deadline for the whole call (the connect barrier), or Long.MAX_VALUE. */
    long deadlineNanos;

    // A 16-bit all-reduce (see WireKernels); FLOAT32 and null views otherwise.
    WireFormat wire = WireFormat.FLOAT32;
    /**
     * The call's values encoded, value i at bytes 2i..2i+1 (the same indices as the caller's
     * region): every frame is sent from here and every gathered frame lands here. Two byte views
     * (sending and receiving half) and one short view of the same memory.
     */
    ByteBuffer wireSend;
    ByteBuffer wireRecv;
    ShortBuffer wireShorts;

    // Sends, in order.
    int sends;
    final int[] sendStep;
    final Region[] sendSrc;
    final int[] sendOff;
    final int[] sendLen;
    final boolean[] sendDependent;

    // Receives, in order.
    int recvs;
    final int[] recvStep;
    final Action[] recvAction;
    final Region[] recvDst;
    final int[] recvDstOff;
    final Region[] recvMine;
    final int[] recvMineOff;
    final int[] recvLen;
    final boolean[] recvFinal;

    Schedule(int maxSteps) {
        sendStep = new int[maxSteps];
        sendSrc = new Region[maxSteps];
        sendOff = new int[maxSteps];
        sendLen = new int[maxSteps];
        sendDependent = new boolean[maxSteps];
        recvStep = new int[maxSteps];
        recvAction = new Action[maxSteps];
        recvDst = new Region[maxSteps];
        recvDstOff = new int[maxSteps];
        recvMine = new Region[maxSteps];
        recvMineOff = new int[maxSteps];
        recvLen = new int[maxSteps];
        recvFinal = new boolean[maxSteps];
    }

    void begin(int seq, int opSig, int count, ReduceOp op, int divisor) {
        clear();
        this.fixedName = null;
        this.seq = seq;
        this.opSig = opSig;
        this.count = count;
        this.op = op;
        this.divisor = divisor;
        this.deadlineNanos = Long.MAX_VALUE;
    }

    /** Makes this call a 16-bit all-reduce over {@code mirror} (at least 2 * count bytes, native order). */
    void wire(WireFormat format, ByteBuffer mirror) {
        wire = format;
        wireSend = mirror.duplicate().order(mirror.order());
        wireRecv = mirror.duplicate().order(mirror.order());
        wireShorts = mirror.duplicate().order(mirror.order()).asShortBuffer();
    }

    /** Bytes a value takes in this call's frames. */
    int valueBytes() {
        return wire.bytes();
    }

    /** The call as messages name it, e.g. {@code allReduce(SUM)#12 of 1000 floats}; built only when needed. */
    String label() {
        return fixedName != null ? fixedName : RingPlans.opName(opSig) + "#" + seq + " of " + count + " floats";
    }

    /** Sends {@code len} floats of {@code src} from {@code off}; after receive step-1 if dependent. */
    void send(int step, Region src, int off, int len, boolean dependent) {
        int i = sends++;
        sendStep[i] = step;
        sendSrc[i] = src;
        sendOff[i] = off;
        sendLen[i] = len;
        sendDependent[i] = dependent;
    }

    /** Receives {@code len} floats and stores {@code op(mine, received)} into {@code dst}. */
    void receiveReduce(int step, Region mine, int mineOff, Region dst, int dstOff, int len,
            boolean last) {
        int i = receive(step, Action.REDUCE, dst, dstOff, len);
        recvMine[i] = mine;
        recvMineOff[i] = mineOff;
        recvFinal[i] = last;
    }

    /** Receives {@code len} floats into {@code dst}. */
    void receiveCopy(int step, Region dst, int dstOff, int len) {
        receive(step, Action.COPY, dst, dstOff, len);
    }

    private int receive(int step, Action action, Region dst, int dstOff, int len) {
        int i = recvs++;
        recvStep[i] = step;
        recvAction[i] = action;
        recvDst[i] = dst;
        recvDstOff[i] = dstOff;
        recvLen[i] = len;
        recvMine[i] = null;
        recvFinal[i] = false;
        return i;
    }

    /** Drops the regions' references (the group's regions forget the caller's buffers separately). */
    void clear() {
        for (int i = 0; i < sends; i++) {
            sendSrc[i] = null;
        }
        for (int i = 0; i < recvs; i++) {
            recvDst[i] = null;
            recvMine[i] = null;
        }
        sends = 0;
        recvs = 0;
        wire = WireFormat.FLOAT32;
        wireSend = null;
        wireRecv = null;
        wireShorts = null;
    }

    /** Smallest frame worth its syscalls and wake-ups (floats). */
    static final int MIN_FRAME_FLOATS = 16 * 1024;
    /** Frames a segment is cut into at least, when big enough: reducing one overlaps receiving the next. */
    static final int MIN_FRAMES = 4;

    /**
     * Floats per frame of a segment of {@code len} floats: {@code maxFloats} for big segments,
     * smaller for small ones so that they still pipeline. Both ends derive it from the length.
     */
    static int frameFloats(int len, int maxFloats) {
        int quarter = (int) (((long) len + MIN_FRAMES - 1) / MIN_FRAMES);
        return Math.max(1, Math.min(maxFloats, Math.max(Math.min(MIN_FRAME_FLOATS, maxFloats), quarter)));
    }

    /** Frames a segment of {@code len} floats takes: at least one, so empty steps still sync. */
    static int frames(int len, int maxFloats) {
        int f = frameFloats(len, maxFloats);
        return len == 0 ? 1 : (len + f - 1) / f;
    }

    /** Packs (step, chunks done) into one monotonically increasing progress value. */
    static long progress(int step, int chunksDone) {
        return ((long) (step + 1) << 32) | chunksDone;
    }
}
