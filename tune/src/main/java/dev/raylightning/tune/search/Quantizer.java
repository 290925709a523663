package dev.raylightning.tune.search;

import java.math.BigDecimal;

/**
 * Rounds continuous samples to a multiple of a step {@code q}, as Ray's quantized samplers do.
 * Bounds must be multiples of {@code q} (Ray checks the same) so rounding never leaves the range.
 */
final class Quantizer {

    /** Relative tolerance for "is a multiple of q": 0.3 / 0.1 is 2.9999999999999996 in doubles. */
    private static final double TOLERANCE = 1e-9;

    private Quantizer() {
    }

    static void checkStep(String call, double q) {
        Args.finite(call, "q", q);
        if (!(q > 0)) {
            throw Args.bad(call, "q must be > 0, got " + Args.num(q));
        }
    }

    static void checkMultiple(String call, String what, double bound, double q) {
        double ratio = bound / q;
        if (Math.abs(ratio - Math.rint(ratio)) > TOLERANCE * Math.max(1, Math.abs(ratio))) {
            throw Args.bad(call, what + " " + Args.num(bound) + " must be a multiple of q=" + Args.num(q));
        }
    }

    /**
     * {@code x} rounded to the nearest multiple of {@code q} within [lower, upper]. The product is
     * taken in decimal so that 3 * 0.1 comes out as 0.3 rather than 0.30000000000000004.
     */
    static double round(double x, double q, double lower, double upper) {
        long k = Math.round(x / q);
        k = Math.max(Math.round(lower / q), Math.min(Math.round(upper / q), k));
        return BigDecimal.valueOf(k).multiply(BigDecimal.valueOf(q)).doubleValue();
    }
}
