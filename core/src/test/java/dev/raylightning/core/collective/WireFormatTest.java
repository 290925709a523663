package dev.raylightning.core.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The 16-bit conversions against known bit patterns, exhaustively over every 16-bit pattern, and
 * against a brute-force "nearest, ties to even" over a sweep of float bit patterns.
 */
class WireFormatTest {

    private static int half(float f) {
        return Float16.fromFloat(f) & 0xFFFF;
    }

    private static int bf(float f) {
        return BFloat16.fromFloat(f) & 0xFFFF;
    }

    private static float bits(int x) {
        return Float.intBitsToFloat(x);
    }

    @Test
    void halfOfKnownValues() {
        assertEquals(0x3C00, half(1f));
        assertEquals(0xC000, half(-2f));
        assertEquals(0x0000, half(0f));
        assertEquals(0x8000, half(-0f));
        assertEquals(0x3555, half(1f / 3));
        assertEquals(0x2E66, half(0.1f));
        assertEquals(0x7BFF, half(65504f), "the largest finite half");
        assertEquals(0x7BFF, half(Math.nextDown(65520f)), "just below the midpoint to 2^16 rounds down");
        assertEquals(0x7C00, half(65520f), "the midpoint ties to even: infinity");
        assertEquals(0xFC00, half(-1e6f));
        assertEquals(0x7C00, half(Float.MAX_VALUE));
        assertEquals(0x7C00, half(Float.POSITIVE_INFINITY));
        assertEquals(0xFC00, half(Float.NEGATIVE_INFINITY));
        assertEquals(0x0400, half(0x1p-14f), "the smallest normal");
        assertEquals(0x0001, half(0x1p-24f), "the smallest subnormal");
        assertEquals(0x03FF, half(1023 * 0x1p-24f), "the largest subnormal");
        assertEquals(0x0400, half(0x1p-14f - 0x1p-25f), "largest subnormal/smallest normal tie goes to even");
        assertEquals(0x0000, half(0x1p-25f), "half the smallest subnormal ties to zero");
        assertEquals(0x8000, half(-0x1p-25f));
        assertEquals(0x0001, half(Math.nextUp(0x1p-25f)));
        assertEquals(0x0002, half(3 * 0x1p-25f), "1.5 units ties to 2");
        assertEquals(0x0000, half(Float.MIN_VALUE));
        assertEquals(0x3C00, half(1f + 0x1p-11f), "tie between 0x3C00 and 0x3C01 goes to even");
        assertEquals(0x3C02, half(1f + 3 * 0x1p-11f), "tie between 0x3C01 and 0x3C02 goes to even");
        assertEquals(0x3C01, half(Math.nextUp(1f + 0x1p-11f)));
        assertEquals(0x7E00, half(Float.NaN), "canonical NaN stays a quiet NaN");
        assertEquals(0xFE00, half(bits(0xFFC00000)), "sign kept");
        assertEquals(0x7E01, half(bits(0x7F802000)), "a signalling NaN is quieted, payload top bits kept");
        assertEquals(0x7E00, half(bits(0x7F800001)), "a NaN whose payload is all low bits never becomes infinity");
    }

    @Test
    void halfDecodesKnownPatterns() {
        assertEquals(1f, Float16.toFloat((short) 0x3C00));
        assertEquals(-2f, Float16.toFloat((short) 0xC000));
        assertEquals(65504f, Float16.toFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001));
        assertEquals(0x1p-14f, Float16.toFloat((short) 0x0400));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Float16.toFloat((short) 0x8000)));
        assertEquals(Float.POSITIVE_INFINITY, Float16.toFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, Float16.toFloat((short) 0xFC00));
        assertTrue(Float.isNaN(Float16.toFloat((short) 0x7C01)));
        assertTrue(Float.isNaN(Float16.toFloat((short) 0xFE00)));
    }

    @Test
    void bfloat16OfKnownValues() {
        assertEquals(0x3F80, bf(1f));
        assertEquals(0xC000, bf(-2f));
        assertEquals(0x8000, bf(-0f));
        assertEquals(0x3F80, bf(bits(0x3F808000)), "tie goes to even (down)");
        assertEquals(0x3F82, bf(bits(0x3F818000)), "tie goes to even (up)");
        assertEquals(0x3F81, bf(bits(0x3F808001)), "above the tie rounds up");
        assertEquals(0x3F80, bf(bits(0x3F807FFF)), "below the tie rounds down");
        assertEquals(0x7F7F, bf(bits(0x7F7F7FFF)), "the largest finite bfloat16");
        assertEquals(0x7F80, bf(bits(0x7F7F8000)), "its tie with 2^128 rounds to infinity");
        assertEquals(0x7F80, bf(Float.MAX_VALUE));
        assertEquals(0xFF80, bf(-Float.MAX_VALUE));
        assertEquals(0x7F80, bf(Float.POSITIVE_INFINITY));
        assertEquals(0xFF80, bf(Float.NEGATIVE_INFINITY));
        assertEquals(0x0000, bf(Float.MIN_VALUE), "float subnormals round like the rest");
        assertEquals(0x0000, bf(bits(0x00008000)));
        assertEquals(0x0002, bf(bits(0x00018000)));
        assertEquals(0x0080, bf(bits(0x007FFFFF)), "the largest float subnormal carries into the smallest normal");
        assertEquals(0x7FC0, bf(Float.NaN));
        assertEquals(0x7FC0, bf(bits(0x7F800001)), "a signalling NaN stays NaN instead of rounding to infinity");
        assertEquals(0xFFFF, bf(bits(0xFFFFFFFF)), "and never carries into the sign or exponent");
        assertEquals(1f, BFloat16.toFloat((short) 0x3F80));
        assertEquals(bits(0x3F820000), BFloat16.toFloat((short) 0x3F82));
    }

    /** Decoding is exact and encoding its inverse: every pattern comes back as itself, NaNs as NaNs. */
    @ParameterizedTest
    @EnumSource(value = WireFormat.class, names = {"FLOAT16", "BFLOAT16"})
    void everyPatternRoundTrips(WireFormat wire) {
        for (int p = 0; p <= 0xFFFF; p++) {
            short h = (short) p;
            float f = wire.decode(h);
            short back = wire.encode(f);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(wire.decode(back)), "NaN " + Integer.toHexString(p));
                assertEquals(p & 0x8000, back & 0x8000, "NaN keeps its sign");
            } else {
                assertEquals(p, back & 0xFFFF, "pattern " + Integer.toHexString(p));
                assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(wire.round(f)));
            }
        }
    }

    /** Half decodes to the value its fields define, computed independently in double. */
    @Test
    void halfDecodesToItsDefinition() {
        for (int p = 0; p < 0x10000; p++) {
            int e = (p >>> 10) & 0x1F;
            int m = p & 0x3FF;
            if (e == 0x1F) {
                continue;
            }
            double v = e == 0 ? m * 0x1p-24 : Math.scalb(1 + m / 1024.0, e - 15);
            v = (p & 0x8000) != 0 ? -v : v;
            assertEquals(v, Float16.toFloat((short) p), 0.0, Integer.toHexString(p));
        }
    }

    /**
     * Over a sweep of float bit patterns (every 4093rd, plus every exact midpoint between two
     * neighbouring 16-bit values and the floats next to it): the encoding is the nearest value,
     * ties to the even pattern, overflow to infinity as IEEE defines it.
     */
    @ParameterizedTest
    @EnumSource(value = WireFormat.class, names = {"FLOAT16", "BFLOAT16"})
    void encodingIsTheNearestTiesToEven(WireFormat wire) {
        for (long x = 0; x <= 0xFFFFFFFFL; x += 4093) {
            checkNearest(wire, bits((int) x));
        }
        for (int p = 0; p < 0xFFFF; p++) {
            float lo = wire.decode((short) p);
            float hi = wire.decode((short) (p + 1));
            if (Float.isNaN(lo) || Float.isNaN(hi) || Float.isInfinite(lo) || Float.isInfinite(hi) || (p & 0x7FFF) == 0x7FFF) {
                continue;
            }
            float mid = (float) (((double) lo + hi) / 2); // exact: a 16-bit midpoint needs 12 bits at most
            checkNearest(wire, mid);
            checkNearest(wire, Math.nextUp(mid));
            checkNearest(wire, Math.nextDown(mid));
        }
    }

    private static void checkNearest(WireFormat wire, float f) {
        short got = wire.encode(f);
        if (Float.isNaN(f)) {
            assertTrue(Float.isNaN(wire.decode(got)));
            return;
        }
        double max = wire == WireFormat.FLOAT16 ? 65504 : Float.intBitsToFloat(0x7F7F0000);
        double ulpAtMax = wire == WireFormat.FLOAT16 ? 32 : Math.scalb(1.0, 127 - 7);
        double a = Math.abs((double) f);
        if (a >= max + ulpAtMax / 2) { // IEEE: at or beyond the midpoint to the next power: infinity
            assertTrue(Float.isInfinite(wire.decode(got)), f + " overflows");
            assertEquals(f < 0, got < 0);
            return;
        }
        double v = wire.decode(got);
        double err = Math.abs(v - f);
        for (int d = -1; d <= 1; d += 2) {
            double w = wire.decode((short) (got + d));
            if (Double.isNaN(w) || Double.isInfinite(w) || Math.signum(w) * Math.signum(v) < 0) {
                continue;
            }
            double other = Math.abs(w - f);
            assertTrue(err < other || (err == other && (got & 1) == 0),
                    wire + " of " + f + " (" + Integer.toHexString(Float.floatToRawIntBits(f)) + ") gave "
                            + Integer.toHexString(got & 0xFFFF) + ", a neighbour is nearer or even");
        }
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void bulkConversionsMatchTheScalarOnesAndLeaveBuffersAlone(WireFormat wire) {
        Random random = new Random(7);
        int n = 10_000;
        FloatBuffer src = ByteBuffer.allocateDirect(4 * (n + 3)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < n + 3; i++) {
            src.put(i, (float) (random.nextGaussian() * 1000));
        }
        src.position(1).limit(n + 2);
        ByteBuffer wireBytes = ByteBuffer.allocateDirect(wire.bytes() * (n + 5)).order(ByteOrder.nativeOrder());
        wire.encode(src, 2, wireBytes, 4, n);
        assertEquals(1, src.position());
        assertEquals(0, wireBytes.position());
        FloatBuffer back = FloatBuffer.allocate(n + 1);
        wire.decode(wireBytes, 4, back, 1, n);
        for (int i = 0; i < n; i++) {
            float want = wire.round(src.get(2 + i));
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(back.get(1 + i)), "value " + i);
            if (wire.isCompressed()) {
                assertEquals(wire.encode(src.get(2 + i)), wireBytes.getShort((4 + i) * 2));
            }
        }
        assertEquals(0f, back.get(0), "nothing before the destination index");
    }

    @Test
    void float32HasNoSixteenBitPattern() {
        assertEquals(4, WireFormat.FLOAT32.bytes());
        assertEquals(1.1f, WireFormat.FLOAT32.round(1.1f));
        assertThrows(UnsupportedOperationException.class, () -> WireFormat.FLOAT32.encode(1f));
    }
}
