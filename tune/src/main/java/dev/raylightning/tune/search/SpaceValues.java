package dev.raylightning.tune.search;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a value given to a search space and returns a deep, immutable copy of it, so a space
 * can't change after it was validated. Errors name the dotted path of the offending value
 * ({@code model.layers[1]}).
 */
final class SpaceValues {

    private final String context;
    private final boolean domainsAllowed;

    /**
     * @param context        what is being checked, starts every error message
     * @param domainsAllowed whether {@link Domain}s may appear (in maps; lists hold constants only)
     */
    SpaceValues(String context, boolean domainsAllowed) {
        this.context = context;
        this.domainsAllowed = domainsAllowed;
    }

    /** Values that hold no domain: choice options and what sampleFrom functions return. */
    static SpaceValues constants(String context) {
        return new SpaceValues(context, false);
    }

    /** Values of a search space: constants, nested maps and domains. */
    static SpaceValues space(String context) {
        return new SpaceValues(context, true);
    }

    /** The dotted path of {@code key} under {@code path}. */
    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A checked, immutable copy of {@code value}, found at {@code path}. */
    Object freeze(Object value, String path) {
        if (isScalar(value)) {
            return value;
        }
        if (value instanceof Domain d) {
            if (!domainsAllowed) {
                throw error(path, "is a domain, " + d + ", where only constants are allowed");
            }
            return d;
        }
        if (value instanceof Map<?, ?> m) {
            return freezeMap(m, path);
        }
        if (value instanceof List<?> l) {
            return freezeList(l, path);
        }
        String hint = value.getClass().isArray() ? " (use a List instead of an array)" : "";
        throw error(path, "is a " + value.getClass().getName() + hint + "; supported values are numbers, "
                + "strings, booleans, enums, null, lists of those, nested maps"
                + (domainsAllowed ? " and domains (choice, uniform, gridSearch, ...)" : ""));
    }

    /** A checked, immutable copy of a map, keys in their original order. */
    Map<String, Object> freezeMap(Map<?, ?> m, String path) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = checkKey(e.getKey(), path);
            out.put(key, freeze(e.getValue(), child(path, key)));
        }
        return Collections.unmodifiableMap(out);
    }

    private List<Object> freezeList(List<?> l, String path) {
        List<Object> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            Object item = l.get(i);
            String itemPath = path + "[" + i + "]";
            if (item instanceof Domain d && domainsAllowed) {
                // Sampling inside lists is ambiguous (per element? whole list?), so say what works.
                throw error(itemPath, "is a domain, " + d + ", inside a list; lists hold constants only: "
                        + "put the domain under a map key, or use choice/gridSearch over whole lists");
            }
            out.add(freeze(item, itemPath));
        }
        return Collections.unmodifiableList(out);
    }

    private String checkKey(Object key, String path) {
        String where = path.isEmpty() ? "at the top level" : "under '" + path + "'";
        if (key == null) {
            throw new IllegalArgumentException(context + ": a key " + where + " is null; keys are non-empty strings");
        }
        if (!(key instanceof String s)) {
            throw new IllegalArgumentException(context + ": key " + key + " " + where + " is a "
                    + key.getClass().getName() + "; keys are non-empty strings");
        }
        // TrialConfig reads values by dotted path, so a key holding a dot could never be read back.
        if (s.isEmpty() || s.contains(".")) {
            throw new IllegalArgumentException(context + ": key '" + s + "' " + where
                    + " is empty or contains '.', which separates the parts of a config path");
        }
        return s;
    }

    private static boolean isScalar(Object v) {
        return v == null || v instanceof String || v instanceof Boolean || v instanceof Character
                || v instanceof Enum<?> || v instanceof Integer || v instanceof Long || v instanceof Double
                || v instanceof Float || v instanceof Short || v instanceof Byte
                || v instanceof BigInteger || v instanceof BigDecimal;
    }

    private IllegalArgumentException error(String path, String problem) {
        return new IllegalArgumentException(context + ": value at '" + path + "' " + problem);
    }
}
