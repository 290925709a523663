package dev.raylightning.core.collective;

/**
 * bfloat16 bit conversions: the top 16 bits of a float (1 sign, 8 exponent, 7 mantissa bits), so
 * the float range with about 2 to 3 significant decimal digits.
 *
 * <p>{@link #fromFloat} rounds to nearest, ties to even, as accelerators' conversions do:
 * subnormals round like everything else (the carry from mantissa into exponent is exact), values
 * beyond the largest finite bfloat16 (about 3.39e38) by half a unit or more become infinity,
 * infinities stay infinities, and a NaN becomes a quiet NaN of the same sign keeping the top 6
 * bits of its payload (plain rounding could carry a NaN into infinity). {@link #toFloat} is exact.
 */
public final class BFloat16 {

    private BFloat16() {}

    /** The bfloat16 pattern nearest {@code f} (ties to even). */
    public static short fromFloat(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) | 0x0040);
        }
        return (short) ((x + 0x7FFF + ((x >>> 16) & 1)) >>> 16);
    }

    /** The float of bfloat16 pattern {@code b}: its bits followed by 16 zero bits. */
    public static float toFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** {@code f} rounded to the nearest bfloat16 value, as a float. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
