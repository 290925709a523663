package dev.raylightning.core.callbacks;

import java.util.Map;

/**
 * Typed reads from a callback's saved state (a checkpoint's JSON, so numbers come back as doubles
 * and non-finite numbers as strings): a missing key gives the default, a value of the wrong type
 * is refused with an {@link IllegalArgumentException} naming the key.
 */
final class SavedState {

    private final String owner;
    private final Map<String, Object> state;

    SavedState(String owner, Map<String, Object> state) {
        this.owner = owner;
        this.state = state;
    }

    String string(String key, String otherwise) {
        Object v = state.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof String s)) {
            throw refuse(key, v, "a string");
        }
        return s;
    }

    /** A number, or one of the strings {@code NaN}, {@code Infinity}, {@code -Infinity}. */
    Double number(String key, Double otherwise) {
        Object v = state.get(key);
        if (v == null) {
            return otherwise;
        }
        return number(key, v);
    }

    double number(String key, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            switch (s) {
                case "NaN": return Double.NaN;
                case "Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity": return Double.NEGATIVE_INFINITY;
                default: break;
            }
        }
        throw refuse(key, v, "a number");
    }

    /** A whole number in {@code [min, max]}. */
    int integer(String key, int otherwise, int min, int max) {
        Object v = state.get(key);
        if (v == null) {
            return otherwise;
        }
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < min
                || n.doubleValue() > max) {
            throw refuse(key, v, "a whole number in [" + min + ", " + max + "]");
        }
        return (int) n.doubleValue();
    }

    /** A map, or an empty one when missing. */
    Map<?, ?> map(String key) {
        Object v = state.get(key);
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw refuse(key, v, "a map");
        }
        return m;
    }

    private IllegalArgumentException refuse(String key, Object v, String expected) {
        String shown = String.valueOf(v);
        return new IllegalArgumentException(owner + " state '" + key + "' must be " + expected + ", got "
                + (shown.length() > 80 ? shown.substring(0, 80) + "..." : shown));
    }
}
