package dev.raylightning.core.util;

import java.time.Duration;
import java.util.Locale;

/**
 * Argument checks for builders and constructors, in the manner of Guava's
 * {@code checkArgument}: one line per rule, and every refusal is an
 * {@link IllegalArgumentException} whose message names the argument and the value given.
 */
public final class Checks {

    private Checks() {}

    /**
     * Refuses unless {@code ok}; the message is {@code template} with each {@code %s} replaced by
     * the next of {@code args}, or {@code template} as it is when there are no args.
     */
    public static void checkArgument(boolean ok, String template, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(args.length == 0 ? template : String.format(Locale.ROOT, template, args));
        }
    }

    /** {@code value}, refusing null with "{@code name} must not be null". */
    public static <T> T checkNotNull(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /** {@code value}, refusing anything below {@code min}. */
    public static int checkAtLeast(int value, int min, String name) {
        checkArgument(value >= min, "%s must be >= %s, got %s", name, min, value);
        return value;
    }

    /** {@code value}, refusing anything below {@code min}. */
    public static long checkAtLeast(long value, long min, String name) {
        checkArgument(value >= min, "%s must be >= %s, got %s", name, min, value);
        return value;
    }

    /** {@code value}, refusing zero, negatives and NaN. */
    public static double checkPositive(double value, String name) {
        checkArgument(value > 0, "%s must be > 0, got %s", name, value);
        return value;
    }

    /** {@code value}, refusing null, zero and negative durations. */
    public static Duration checkPositive(Duration value, String name) {
        checkArgument(value != null && !value.isNegative() && !value.isZero(), "%s must be positive, got %s", name,
                value);
        return value;
    }

    /**
     * {@code value}, refusing anything that is not one plain path element: null, blank, {@code .},
     * {@code ..}, or a name holding a separator or a NUL. Names that become files or directories go
     * through here, so nothing given as a name is written or deleted outside its directory.
     */
    public static String checkPathElement(String value, String name) {
        checkArgument(value != null && !value.isBlank() && !value.equals(".") && !value.equals("..")
                && value.indexOf('/') < 0 && value.indexOf('\\') < 0 && value.indexOf('\0') < 0,
                "%s must be a single path element (no '/', '\\', '.' or '..'), got '%s'", name, value);
        return value;
    }
}
