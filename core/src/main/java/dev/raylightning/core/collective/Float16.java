package dev.raylightning.core.collective;

/**
 * IEEE 754 binary16 ("half") bit conversions, since Java 17 lacks {@code Float.floatToFloat16}.
 * 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits: largest finite 65504, smallest
 * normal 2^-14, smallest subnormal 2^-24, about 3 significant decimal digits.
 *
 * <p>{@link #fromFloat} rounds to nearest, ties to even, as IEEE conversion does: magnitudes from
 * 65520 (halfway between 65504 and 2^16) up become infinity, tiny ones become subnormals or
 * signed zero, infinities stay infinities, and a NaN becomes a quiet NaN of the same sign that keeps
 * the top 9 bits of its payload. {@link #toFloat} is exact for every pattern (a NaN stays a NaN).
 * Hence {@code fromFloat(toFloat(h)) == h} for every non-NaN pattern {@code h}.
 */
public final class Float16 {

    private Float16() {}

    public static final short POSITIVE_INFINITY = 0x7C00;
    public static final short MAX_VALUE = 0x7BFF;

    /** The binary16 pattern nearest {@code f} (ties to even). */
    public static short fromFloat(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int abs = x & 0x7FFFFFFF;
        if (abs >= 0x477FF000) { // 65520 and up, infinity, NaN
            if (abs > 0x7F800000) {
                return (short) (sign | 0x7E00 | ((abs >>> 13) & 0x1FF)); // quiet NaN, payload's top bits
            }
            return (short) (sign | 0x7C00);
        }
        if (abs >= 0x38800000) { // 2^-14 and up: normal
            int h = abs - 0x38000000; // rebias the exponent from 127 to 15 (112 << 23)
            // Round at bit 13, ties to even; a carry into the exponent is the right answer too.
            return (short) (sign | (h + 0x0FFF + ((h >>> 13) & 1)) >>> 13);
        }
        if (abs > 0x33000000) { // above 2^-25: a subnormal (2^-25 itself ties to zero)
            int e = abs >>> 23;
            int m = (abs & 0x7FFFFF) | 0x800000; // the float is m * 2^(e-150); a subnormal unit is 2^-24
            int shift = 126 - e;
            // Same rounding as above; 2^-14 - half a unit rounds up into the smallest normal, as it should.
            return (short) (sign | (m + (1 << (shift - 1)) - 1 + ((m >>> shift) & 1)) >>> shift);
        }
        return (short) sign; // below half the smallest subnormal: signed zero
    }

    /** The float of binary16 pattern {@code h}; exact, since every half is a float. */
    public static float toFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | mant << 13); // infinity, or NaN keeping its payload
        }
        if (exp != 0) {
            return Float.intBitsToFloat(sign | (exp + 112) << 23 | mant << 13);
        }
        // zero or subnormal: mant * 2^-24, a normal float (exact)
        return Float.intBitsToFloat(sign | Float.floatToRawIntBits(mant * 0x1p-24f));
    }

    /** {@code f} rounded to the nearest binary16 value, as a float. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }
}
