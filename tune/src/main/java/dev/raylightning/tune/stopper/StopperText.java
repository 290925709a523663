package dev.raylightning.tune.stopper;

import java.util.Locale;

/** How stoppers print their numbers in {@code toString()}. */
final class StopperText {

    private StopperText() {
    }

    /** A number for messages: whole values without a trailing ".0". */
    static String format(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15
                ? Long.toString((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
