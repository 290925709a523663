package dev.raylightning.tune;

import java.util.Locale;

/** Whether a larger or a smaller metric value is better (Ray Tune's {@code mode="max"/"min"}). */
public enum Mode {
    MAX, MIN;

    /** Parses "max" or "min" (any case). */
    public static Mode of(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("mode must be \"max\" or \"min\", got " + s);
        }
    }

    /** Whether {@code a} is strictly better than {@code b}; NaN is never better. */
    public boolean better(double a, double b) {
        if (Double.isNaN(a)) {
            return false;
        }
        if (Double.isNaN(b)) {
            return true;
        }
        return this == MAX ? a > b : a < b;
    }

    /** The value as a score where larger is better. */
    public double score(double v) {
        return this == MAX ? v : -v;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
