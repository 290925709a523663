package dev.raylightning.tune.results;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;

/** How values look in the text tables: short, and the same for the same value. */
final class Cells {

    /** Significant digits of floating-point numbers in tables. */
    static final int SIGNIFICANT = 5;
    /** Longer text is cut to this many characters (Ray's {@code max_column_length}). */
    static final int MAX_TEXT = 20;

    private Cells() {
    }

    /** Blank for null, whole numbers as they are, floating point compactly, other values cut to {@link #MAX_TEXT}. */
    static String compact(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double || v instanceof Float) {
            return general(((Number) v).doubleValue(), SIGNIFICANT);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        return keepEnd(v.toString(), MAX_TEXT);
    }

    /**
     * {@code v} rounded to {@code digits} significant digits without trailing zeros, in
     * exponent form when very large or small: the layout of C's and Python's {@code %g}
     * (0.001, 1e-05, 12346, 1.2346e+05, nan, inf).
     */
    static String general(double v, int digits) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0" : "0";
        }
        BigDecimal rounded = new BigDecimal(v).round(new MathContext(digits, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= digits) {
            String mantissa = rounded.movePointLeft(exponent).stripTrailingZeros().toPlainString();
            return mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        return rounded.stripTrailingZeros().toPlainString();
    }

    /** Long text shortened to its end, where names tend to differ, behind "...". */
    static String keepEnd(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - (max - 3));
    }

    /** Long text shortened to its start, where an error names its type, followed by "...". */
    static String keepStart(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /** {@code HH:MM:SS}, preceded by {@code N days, } past a day, as Ray prints running time. */
    static String elapsed(Duration d) {
        long total = Math.max(0, d.getSeconds());
        long days = total / 86_400;
        long rest = total % 86_400;
        String hms = String.format("%02d:%02d:%02d", rest / 3600, rest % 3600 / 60, rest % 60);
        return days > 0 ? days + " days, " + hms : hms;
    }
}
