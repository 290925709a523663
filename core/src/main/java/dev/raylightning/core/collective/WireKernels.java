package dev.raylightning.core.collective;

import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * The element loop of a 16-bit ring all-reduce: one pass over a peer's encoded chunk that
 * decodes it, adds this rank's own values (rounded to the wire format, as every input is) in
 * float32, and encodes the sum for the next hop. Block by block through caller-owned arrays,
 * like {@link ReduceKernels}: bulk copies in, plain loops, bulk copies out. Absolute indexing only.
 */
public final class WireKernels {

    private WireKernels() {}

    /**
     * For i below len: {@code sum = round(mine[m+i]) + decode(recv[i])}, divided by
     * {@code divisor} when above 1, encoded into {@code wire[w+i]}. When {@code last} the sum is
     * final and its rounded value is also stored into {@code dst[d+i]}; before that only the
     * encoding matters (it is what travels on), so {@code dst} is left alone. {@code a} and
     * {@code b} (floats) and {@code c} (shorts) are blocks of {@link ReduceKernels#BLOCK} values.
     */
    public static void reduce(WireFormat format, ShortBuffer recv, FloatBuffer mine, int m, ShortBuffer wire, int w,
            FloatBuffer dst, int d, int len, int divisor, boolean last, float[] a, float[] b, short[] c) {
        for (int s = 0; s < len; s += ReduceKernels.BLOCK) {
            int k = Math.min(ReduceKernels.BLOCK, len - s);
            recv.get(s, c, 0, k);
            format.decode(c, 0, a, 0, k);
            mine.get(m + s, b, 0, k);
            format.encode(b, 0, c, 0, k); // round this rank's input...
            format.decode(c, 0, b, 0, k);
            add(a, b, k, divisor); // ...and add in float32
            format.encode(b, 0, c, 0, k);
            wire.put(w + s, c, 0, k);
            if (last) {
                format.decode(c, 0, b, 0, k);
                dst.put(d + s, b, 0, k);
            }
        }
    }

    /** {@code b[i] += a[i]}, then divided by {@code divisor} if above 1. */
    private static void add(float[] a, float[] b, int k, int divisor) {
        if (divisor > 1) {
            float div = divisor;
            for (int i = 0; i < k; i++) {
                b[i] = (b[i] + a[i]) / div;
            }
        } else {
            for (int i = 0; i < k; i++) {
                b[i] += a[i];
            }
        }
    }

    /** {@code dst[d+i] = decode(wire[w+i])} for i below len: a gathered chunk into the caller's floats. */
    public static void decode(WireFormat format, ShortBuffer wire, int w, FloatBuffer dst, int d, int len, float[] a,
            short[] c) {
        for (int s = 0; s < len; s += ReduceKernels.BLOCK) {
            int k = Math.min(ReduceKernels.BLOCK, len - s);
            wire.get(w + s, c, 0, k);
            format.decode(c, 0, a, 0, k);
            dst.put(d + s, a, 0, k);
        }
    }

    /** {@code wire[w+i] = encode(src[s0+i])} for i below len: this rank's own chunk before it is sent. */
    public static void encode(WireFormat format, FloatBuffer src, int s0, ShortBuffer wire, int w, int len, float[] a,
            short[] c) {
        for (int s = 0; s < len; s += ReduceKernels.BLOCK) {
            int k = Math.min(ReduceKernels.BLOCK, len - s);
            src.get(s0 + s, a, 0, k);
            format.encode(a, 0, c, 0, k);
            wire.put(w + s, c, 0, k);
        }
    }
}
