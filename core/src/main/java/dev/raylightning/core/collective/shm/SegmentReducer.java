package dev.raylightning.core.collective.shm;

import dev.raylightning.core.collective.ReduceKernels;
import dev.raylightning.core.collective.ReduceOp;

import java.nio.FloatBuffer;

/**
 * Reduces what the ranks published in their segments of one call, block by block through two
 * arrays of its own (one reducer per group: calls are never concurrent). Offsets and lengths are
 * in floats.
 */
final class SegmentReducer {

    private final float[] blockA = new float[ReduceKernels.BLOCK];
    private final float[] blockB = new float[ReduceKernels.BLOCK];

    /**
     * Reduces the floats {@code [start, start + len)} of every rank into {@code dst} at {@code d}:
     * this rank's own from {@code input} (its peers never read them from its segment), the peers'
     * from their segments. AVG divides once, with the last peer.
     */
    void chunk(ReduceOp op, MappedSegment[] seg, int rank, Parts input, int start, int len, FloatBuffer dst, int d) {
        int size = seg.length;
        int last = rank == size - 1 ? size - 2 : size - 1;
        boolean first = true;
        for (int k = 0; k < size; k++) {
            if (k == rank) {
                continue;
            }
            int divisor = op == ReduceOp.AVG && k == last ? size : 1;
            FloatBuffer peer = seg[k].floats;
            if (first) { // the first peer combines with this rank's own floats, later ones with the running result
                input.forEach(start * Float.BYTES, len * Float.BYTES, (part, offset, at, length) ->
                        ReduceKernels.reduce(op, peer.slice(at / Float.BYTES, length / Float.BYTES),
                                part.asFloatBuffer(), offset / Float.BYTES, dst, d + at / Float.BYTES - start,
                                length / Float.BYTES, divisor, blockA, blockB));
            } else {
                ReduceKernels.reduce(op, peer.slice(start, len), dst, d, dst, d, len, divisor, blockA, blockB);
            }
            first = false;
        }
    }

    /**
     * Overwrites {@code out} with every rank's segment reduced in rank order (segment 0 with 1,
     * the result with 2, ...), so every rank computes the same bits from the same inputs.
     */
    void all(ReduceOp op, MappedSegment[] seg, Parts out) {
        int size = seg.length;
        out.forEach(0, out.bytes(), (part, offset, at, length) -> {
            FloatBuffer dst = part.asFloatBuffer();
            int d = offset / Float.BYTES;
            int s = at / Float.BYTES;
            int n = length / Float.BYTES;
            for (int k = 1; k < size; k++) {
                int divisor = op == ReduceOp.AVG && k == size - 1 ? size : 1;
                ReduceKernels.reduce(op, seg[k].floats.slice(s, n), k == 1 ? seg[0].floats : dst, k == 1 ? s : d,
                        dst, d, n, divisor, blockA, blockB);
            }
        });
    }
}
