package dev.raylightning.core.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * How floats travel in a compressed all-reduce ({@link ProcessGroup#allReduce(ByteBuffer,
 * ReduceOp, WireFormat)}): as they are, or as 16-bit values, which halves the bytes moved.
 * Conversions round to nearest, ties to even ({@link Float16}, {@link BFloat16}); arithmetic
 * stays float32. Encoded values are native-order 16-bit patterns, two bytes each.
 *
 * <p>The bulk methods use absolute indices (in values, not bytes) and never touch the buffers'
 * positions or limits; they allocate nothing. One loop per format keeps each loop body
 * branch-free apart from the conversion's own special cases.
 */
public enum WireFormat {
    /** Plain float32: the ordinary all-reduce, nothing rounded. */
    FLOAT32(4),
    /** IEEE binary16: 10 mantissa bits (relative rounding error 2^-11), finite only below 65520. */
    FLOAT16(2),
    /** bfloat16: 7 mantissa bits (relative rounding error 2^-8), the float range. */
    BFLOAT16(2);

    private final int bytes;

    WireFormat(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes one value takes on the wire. */
    public int bytes() {
        return bytes;
    }

    /** Whether values are converted at all (not {@link #FLOAT32}). */
    public boolean isCompressed() {
        return this != FLOAT32;
    }

    /** The 16-bit pattern of {@code f}; not defined for {@link #FLOAT32}. */
    public short encode(float f) {
        return switch (this) {
            case FLOAT16 -> Float16.fromFloat(f);
            case BFLOAT16 -> BFloat16.fromFloat(f);
            case FLOAT32 -> throw new UnsupportedOperationException("FLOAT32 has no 16-bit pattern");
        };
    }

    /** The float of 16-bit pattern {@code bits}; not defined for {@link #FLOAT32}. */
    public float decode(short bits) {
        return switch (this) {
            case FLOAT16 -> Float16.toFloat(bits);
            case BFLOAT16 -> BFloat16.toFloat(bits);
            case FLOAT32 -> throw new UnsupportedOperationException("FLOAT32 has no 16-bit pattern");
        };
    }

    /** {@code f} as this format represents it (unchanged for {@link #FLOAT32}). */
    public float round(float f) {
        return switch (this) {
            case FLOAT16 -> Float16.round(f);
            case BFLOAT16 -> BFloat16.round(f);
            case FLOAT32 -> f;
        };
    }

    /** {@code dst[d+i] = encode(src[s+i])} for i below n. */
    public void encode(float[] src, int s, short[] dst, int d, int n) {
        switch (this) {
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    dst[d + i] = Float16.fromFloat(src[s + i]);
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    dst[d + i] = BFloat16.fromFloat(src[s + i]);
                }
            }
            case FLOAT32 -> throw new UnsupportedOperationException("FLOAT32 has no 16-bit pattern");
        }
    }

    /** {@code dst[d+i] = decode(src[s+i])} for i below n. */
    public void decode(short[] src, int s, float[] dst, int d, int n) {
        switch (this) {
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    dst[d + i] = Float16.toFloat(src[s + i]);
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    dst[d + i] = BFloat16.toFloat(src[s + i]);
                }
            }
            case FLOAT32 -> throw new UnsupportedOperationException("FLOAT32 has no 16-bit pattern");
        }
    }

    /**
     * Writes values {@code s..s+n} of {@code src} into {@code dst} from value index {@code d}
     * ({@link #bytes()} each, native order); FLOAT32 copies the floats as they are.
     */
    public void encode(FloatBuffer src, int s, ByteBuffer dst, int d, int n) {
        ByteBuffer out = dst.order() == ByteOrder.nativeOrder() ? dst : dst.duplicate().order(ByteOrder.nativeOrder());
        switch (this) {
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out.putShort((d + i) * 2, Float16.fromFloat(src.get(s + i)));
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out.putShort((d + i) * 2, BFloat16.fromFloat(src.get(s + i)));
                }
            }
            case FLOAT32 -> {
                for (int i = 0; i < n; i++) {
                    out.putFloat((d + i) * 4, src.get(s + i));
                }
            }
        }
    }

    /** Reads values {@code s..s+n} of {@code src} (the layout {@link #encode(FloatBuffer, int, ByteBuffer, int, int)} writes) into {@code dst} from {@code d}. */
    public void decode(ByteBuffer src, int s, FloatBuffer dst, int d, int n) {
        ByteBuffer in = src.order() == ByteOrder.nativeOrder() ? src : src.duplicate().order(ByteOrder.nativeOrder());
        switch (this) {
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(d + i, Float16.toFloat(in.getShort((s + i) * 2)));
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(d + i, BFloat16.toFloat(in.getShort((s + i) * 2)));
                }
            }
            case FLOAT32 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(d + i, in.getFloat((s + i) * 4));
                }
            }
        }
    }
}
