package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.ReduceOp;

import java.nio.FloatBuffer;

/**
 * One rank's part of one collective: the segments it sends to its next rank and the segments it
 * receives from its previous rank, step by step. A send of step t may depend on the receive of
 * step t-1 (the segment received is the segment passed on), chunk by chunk: that dependency is
 * all the pipelining needs. Filled anew for every call into arrays allocated once.
 *
 * <p>Offsets are absolute float indices into the buffers. Every step moves at least one frame,
 * empty segments included, so both ends always agree on the number of frames.
 */
final class Schedule {

    /** What a received chunk does to the destination. */
    enum Action { REDUCE, COPY }

    // The call.
    String name;
    int seq;
    int opSig;
    int count;
    ReduceOp op;
    /** Divides final reductions by this (the group size for AVG), or 1. */
    int divisor;
    /** Absolute deadline for the whole call (the connect barrier), or Long.MAX_VALUE. */
    long deadlineNanos;

    // Sends, in order.
    int sends;
    final int[] sendStep;
    final FloatBuffer[] sendSrc;
    final int[] sendOff;
    final int[] sendLen;
    final boolean[] sendDependent;

    // Receives, in order.
    int recvs;
    final int[] recvStep;
    final Action[] recvAction;
    final FloatBuffer[] recvDst;
    final int[] recvDstOff;
    final FloatBuffer[] recvMine;
    final int[] recvMineOff;
    final int[] recvLen;
    final boolean[] recvFinal;

    Schedule(int maxSteps) {
        sendStep = new int[maxSteps];
        sendSrc = new FloatBuffer[maxSteps];
        sendOff = new int[maxSteps];
        sendLen = new int[maxSteps];
        sendDependent = new boolean[maxSteps];
        recvStep = new int[maxSteps];
        recvAction = new Action[maxSteps];
        recvDst = new FloatBuffer[maxSteps];
        recvDstOff = new int[maxSteps];
        recvMine = new FloatBuffer[maxSteps];
        recvMineOff = new int[maxSteps];
        recvLen = new int[maxSteps];
        recvFinal = new boolean[maxSteps];
    }

    void begin(String name, int seq, int opSig, int count, ReduceOp op, int divisor) {
        clear();
        this.name = name;
        this.seq = seq;
        this.opSig = opSig;
        this.count = count;
        this.op = op;
        this.divisor = divisor;
        this.deadlineNanos = Long.MAX_VALUE;
    }

    /** Sends {@code len} floats of {@code src} from {@code off}; after receive step-1 if dependent. */
    void send(int step, FloatBuffer src, int off, int len, boolean dependent) {
        int i = sends++;
        sendStep[i] = step;
        sendSrc[i] = src;
        sendOff[i] = off;
        sendLen[i] = len;
        sendDependent[i] = dependent;
    }

    /** Receives {@code len} floats and stores {@code op(mine, received)} into {@code dst}. */
    void receiveReduce(int step, FloatBuffer mine, int mineOff, FloatBuffer dst, int dstOff, int len,
            boolean last) {
        int i = receive(step, Action.REDUCE, dst, dstOff, len);
        recvMine[i] = mine;
        recvMineOff[i] = mineOff;
        recvFinal[i] = last;
    }

    /** Receives {@code len} floats into {@code dst}. */
    void receiveCopy(int step, FloatBuffer dst, int dstOff, int len) {
        receive(step, Action.COPY, dst, dstOff, len);
    }

    private int receive(int step, Action action, FloatBuffer dst, int dstOff, int len) {
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

    /** Drops the caller's buffers so the group never keeps them reachable after a call. */
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
    }

    /** Frames a segment of {@code len} floats takes: at least one, so empty steps still sync. */
    static int frames(int len, int chunkFloats) {
        return len == 0 ? 1 : (len + chunkFloats - 1) / chunkFloats;
    }

    /** Packs (step, chunks done) into one monotonically increasing progress value. */
    static long progress(int step, int chunksDone) {
        return ((long) (step + 1) << 32) | chunksDone;
    }
}
