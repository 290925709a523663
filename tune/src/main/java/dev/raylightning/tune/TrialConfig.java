package dev.raylightning.tune;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One trial's resolved hyper-parameters: a nested map of numbers, strings, booleans, lists and
 * maps, read with typed getters and dotted paths ({@code config.getInt("model.hidden")}).
 * Immutable and serializable, so it travels to trial actors as is.
 */
public final class TrialConfig implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private final Map<String, Object> values;

    private TrialConfig(Map<String, Object> values) {
        this.values = values;
    }

    /** A config holding a deep, immutable copy of {@code values}. */
    public static TrialConfig of(Map<String, ?> values) {
        return new TrialConfig(freezeMap(values, ""));
    }

    /** The empty config. */
    public static TrialConfig empty() {
        return new TrialConfig(Map.of());
    }

    /** The value at a dotted path, if present. */
    public Optional<Object> find(String path) {
        Object cur = values;
        for (String part : path.split("\\.")) {
            if (!(cur instanceof Map<?, ?> m) || !m.containsKey(part)) {
                return Optional.empty();
            }
            cur = m.get(part);
        }
        return Optional.ofNullable(cur);
    }

    /** The value at a dotted path; throws naming the path and the keys present when missing. */
    public Object get(String path) {
        return find(path).orElseThrow(() -> new IllegalArgumentException(
                "config has no value at '" + path + "'; it has " + flatten().keySet()));
    }

    public double getDouble(String path) {
        return number(path).doubleValue();
    }

    public int getInt(String path) {
        Number n = number(path);
        double d = n.doubleValue();
        if (d != Math.rint(d) || d > Integer.MAX_VALUE || d < Integer.MIN_VALUE) {
            throw new IllegalArgumentException("config value at '" + path + "' is " + n + ", not an int");
        }
        return n.intValue();
    }

    public long getLong(String path) {
        Number n = number(path);
        if (n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException("config value at '" + path + "' is " + n + ", not a whole number");
        }
        return n.longValue();
    }

    public String getString(String path) {
        return String.valueOf(get(path));
    }

    public boolean getBoolean(String path) {
        Object v = get(path);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("config value at '" + path + "' is " + v + ", not a boolean");
    }

    /** The nested config at a dotted path. */
    @SuppressWarnings("unchecked")
    public TrialConfig getConfig(String path) {
        Object v = get(path);
        if (v instanceof Map<?, ?> m) {
            return new TrialConfig((Map<String, Object>) m);
        }
        throw new IllegalArgumentException("config value at '" + path + "' is " + v + ", not a nested config");
    }

    private Number number(String path) {
        Object v = get(path);
        if (v instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException("config value at '" + path + "' is " + v + ", not a number");
    }

    /** A copy with the value at a dotted path replaced (or added, creating nested maps on the way). */
    @SuppressWarnings("unchecked")
    public TrialConfig with(String path, Object value) {
        Map<String, Object> root = thaw(values);
        Map<String, Object> cur = root;
        String[] parts = path.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) {
            Object next = cur.get(parts[i]);
            Map<String, Object> m = next instanceof Map<?, ?> ? (Map<String, Object>) next : new LinkedHashMap<>();
            cur.put(parts[i], m);
            cur = m;
        }
        cur.put(parts[parts.length - 1], value);
        return of(root);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> thaw(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            out.put(e.getKey(), e.getValue() instanceof Map<?, ?> inner ? thaw((Map<String, Object>) inner) : e.getValue());
        }
        return out;
    }

    /** The nested values (immutable). */
    public Map<String, Object> asMap() {
        return values;
    }

    /** Leaf values by dotted path, in order (nested maps flattened, lists kept whole). */
    public Map<String, Object> flatten() {
        Map<String, Object> out = new LinkedHashMap<>();
        flattenInto(values, "", out);
        return out;
    }

    private static void flattenInto(Map<String, Object> m, String prefix, Map<String, Object> out) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> inner && !inner.isEmpty()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> nested = (Map<String, Object>) inner;
                flattenInto(nested, key + ".", out);
            } else {
                out.put(key, e.getValue());
            }
        }
    }

    /** This config as JSON; whole numbers stay whole ({@link #fromJson} reads them back as longs). */
    public String toJson() {
        return GSON.toJson(values);
    }

    /** Reads {@link #toJson()}'s output: whole numbers become {@code Long}, others {@code Double}. */
    public static TrialConfig fromJson(String json) {
        JsonElement root = JsonParser.parseString(json);
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException("a config is a JSON object, got: " + json);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) fromJsonValue(root);
        return of(m);
    }

    private static Object fromJsonValue(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e instanceof JsonObject o) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> kv : o.entrySet()) {
                m.put(kv.getKey(), fromJsonValue(kv.getValue()));
            }
            return m;
        }
        if (e instanceof JsonArray a) {
            List<Object> l = new ArrayList<>();
            a.forEach(x -> l.add(fromJsonValue(x)));
            return l;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            String s = p.getAsString();
            boolean whole = s.chars().noneMatch(c -> c == '.' || c == 'e' || c == 'E')
                    && !s.equals("NaN") && !s.contains("Infinity");
            return whole ? (Object) p.getAsLong() : (Object) p.getAsDouble();
        }
        return p.getAsString();
    }

    private static Map<String, Object> freezeMap(Map<String, ?> m, String path) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : m.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("config keys must not be null (under '" + path + "')");
            }
            out.put(e.getKey(), freeze(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey()));
        }
        return Collections.unmodifiableMap(out);
    }

    @SuppressWarnings("unchecked")
    private static Object freeze(Object v, String path) {
        // whole numbers are kept as Long and others as Double, so a config equals itself after a JSON round trip
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float || v instanceof Double) {
            return ((Number) v).doubleValue();
        }
        if (v == null || v instanceof Number || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Character || v instanceof Enum<?>) {
            return v.toString();
        }
        if (v instanceof Map<?, ?> m) {
            return freezeMap((Map<String, ?>) m, path);
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object x : l) {
                out.add(freeze(x, path));
            }
            return Collections.unmodifiableList(out);
        }
        throw new IllegalArgumentException("config value at '" + path + "' is a " + v.getClass().getName()
                + "; configs hold numbers, strings, booleans, lists and maps");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrialConfig c && values.equals(c.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
