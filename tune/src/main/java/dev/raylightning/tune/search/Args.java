package dev.raylightning.tune.search;

import java.math.BigDecimal;
import java.util.List;
import java.util.StringJoiner;

/** Argument checks and formatting shared by the domains, so every message reads the same way. */
final class Args {

    private Args() {
    }

    /** A rejected argument: the message starts with the call as the user wrote it. */
    static IllegalArgumentException bad(String call, String problem) {
        return new IllegalArgumentException(call + ": " + problem);
    }

    /** Rejects NaN and infinities, which no distribution here can use. */
    static void finite(String call, String what, double v) {
        if (!Double.isFinite(v)) {
            throw bad(call, what + " must be a finite number, got " + v);
        }
    }

    /** Rejects an empty or inverted range. */
    static void ordered(String call, double lower, double upper) {
        if (!(lower < upper)) {
            throw bad(call, "lower bound " + num(lower) + " must be < upper bound " + num(upper));
        }
    }

    /** Rejects a range whose width overflows, which would make samples infinite. */
    static void representableWidth(String call, double lower, double upper) {
        if (!Double.isFinite(upper - lower)) {
            throw bad(call, "range is too wide to sample (upper - lower overflows)");
        }
    }

    /** A call as text, e.g. {@code loguniform(0.0001, 0.1)}. */
    static String call(String function, Object... args) {
        StringJoiner j = new StringJoiner(", ", function + "(", ")");
        for (Object a : args) {
            j.add(show(a));
        }
        return j.toString();
    }

    /** Like {@link #call} for a function of a list of values (choice, gridSearch). */
    static String call(String function, List<?> values) {
        return values == null ? function + "(null)" : call(function, values.toArray());
    }

    /** A value as text: strings quoted so "1" and 1 differ, doubles without needless exponents. */
    static String show(Object v) {
        if (v instanceof String s) {
            return '"' + s + '"';
        }
        if (v instanceof Double || v instanceof Float) {
            return num(((Number) v).doubleValue());
        }
        return String.valueOf(v);
    }

    /**
     * A double the way Python prints it: plain notation from 1e-4 up to 1e16, so bounds like
     * {@code 0.0001} stay readable, and scientific notation beyond.
     */
    static String num(double d) {
        double a = Math.abs(d);
        if (!Double.isFinite(d) || a == 0 || a < 1e-4 || a >= 1e16) {
            return Double.toString(d);
        }
        String s = new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
        return s.contains(".") ? s : s + ".0";
    }
}
