package dev.raylightning.core.loggers;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Formats doubles the way Python's {@code repr(float)} does, so a metrics.csv written here reads
 * the same as one written by Lightning ({@code 0.0001}, {@code 1e-05}, {@code 1e+16}, {@code nan}).
 */
final class PythonFloats {

    private static final RoundingMode[] MODES = {RoundingMode.HALF_EVEN, RoundingMode.DOWN, RoundingMode.UP};

    private PythonFloats() {}

    static String repr(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0.0) {
            return (1.0 / v < 0) ? "-0.0" : "0.0";
        }
        String sign = v < 0 ? "-" : "";
        BigDecimal d = shortest(Math.abs(v)).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - 1 - d.scale();
        // Python switches to exponent notation outside 1e-4 <= |v| < 1e16.
        if (exponent >= -4 && exponent < 16) {
            String plain = d.toPlainString();
            return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }

    /**
     * The fewest significant digits that parse back to v, nearest to v among those. Double.toString
     * gives a round-tripping length to start from, but before JDK 19 it is not always the
     * shortest (4.9E-324 where Python prints 5e-324), so shorter lengths are tried too.
     */
    private static BigDecimal shortest(double v) {
        BigDecimal exact = new BigDecimal(v);
        int precision = new BigDecimal(Double.toString(v)).stripTrailingZeros().precision();
        BigDecimal best = roundTripping(exact, v, precision);
        if (best == null) {
            best = roundTripping(exact, v, 17); // 17 significant digits always round-trip
        }
        for (int p = precision - 1; p >= 1; p--) {
            BigDecimal shorter = roundTripping(exact, v, p);
            if (shorter == null) {
                break;
            }
            best = shorter;
        }
        return best;
    }

    /** The nearest p-digit decimal that parses back to v, else its other neighbour, else null. */
    private static BigDecimal roundTripping(BigDecimal exact, double v, int precision) {
        for (RoundingMode mode : MODES) {
            BigDecimal candidate = exact.round(new MathContext(precision, mode));
            if (candidate.doubleValue() == v) {
                return candidate;
            }
        }
        return null;
    }
}
