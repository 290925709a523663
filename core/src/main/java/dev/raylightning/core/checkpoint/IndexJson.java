package dev.raylightning.core.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed access to a checkpoint's JSON index: every read names the field and refuses a missing
 * value, a wrong type or an out-of-range number with a {@link CheckpointException}, so nothing
 * downstream casts or converts a value it has not checked.
 */
final class IndexJson {

    /** JSON values (array elements and object members) an index may hold; bounds the parsed tree. */
    static final int MAX_VALUES = 250_000;

    private final String source;
    private final String prefix;

    private IndexJson(String source, String prefix) {
        this.source = source;
        this.prefix = prefix;
    }

    /** Parses the index bytes into an object, refusing anything else. */
    static JsonObject parse(String source, byte[] utf8) {
        String text = new String(utf8, StandardCharsets.UTF_8);
        long values = countValues(text);
        if (values > MAX_VALUES) {
            throw new CheckpointException(source + ": index holds more than " + MAX_VALUES + " JSON values");
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new CheckpointException(source + ": index is not valid JSON (" + shorten(e.getMessage()) + ")", e);
        }
        if (!root.isJsonObject()) {
            throw new CheckpointException(source + ": index is not a JSON object");
        }
        return root.getAsJsonObject();
    }

    static IndexJson of(String source) {
        return new IndexJson(source, "");
    }

    /** Reads inside a member, naming fields {@code name.field} in messages. */
    IndexJson in(String name) {
        return new IndexJson(source, prefix + name + ".");
    }

    /** Separators and openings outside strings: an upper bound of the values a JSON text holds. */
    static long countValues(String text) {
        long n = 1;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == ',' || c == '[' || c == '{' || c == ':') {
                n++;
            }
        }
        return n;
    }

    JsonElement required(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw refuse(key, "is missing");
        }
        return e;
    }

    JsonObject object(JsonObject o, String key) {
        JsonElement e = required(o, key);
        if (!e.isJsonObject()) {
            throw refuse(key, "is not an object");
        }
        return e.getAsJsonObject();
    }

    JsonArray array(JsonObject o, String key) {
        JsonElement e = required(o, key);
        if (!e.isJsonArray()) {
            throw refuse(key, "is not an array");
        }
        return e.getAsJsonArray();
    }

    String string(JsonObject o, String key) {
        return string(required(o, key), key);
    }

    String string(JsonElement e, String key) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw refuse(key, "is not a string");
        }
        return e.getAsString();
    }

    long integer(JsonObject o, String key, long min, long max) {
        return integer(required(o, key), key, min, max);
    }

    /** A whole number in {@code [min, max]}; 2.0 is whole, 2.5 and 1e400 are not accepted. */
    long integer(JsonElement e, String key, long min, long max) {
        BigDecimal d = number(e, key);
        long v;
        try {
            v = d.longValueExact();
        } catch (ArithmeticException ex) {
            throw refuse(key, "is not a whole number in range: " + shorten(d.toString()));
        }
        if (v < min || v > max) {
            throw refuse(key, "is " + v + ", outside [" + min + ", " + max + "]");
        }
        return v;
    }

    /** A finite number. */
    double finite(JsonObject o, String key) {
        double v = number(required(o, key), key).doubleValue();
        if (!Double.isFinite(v)) {
            throw refuse(key, "is not a finite number");
        }
        return v;
    }

    long[] integers(JsonObject o, String key, long min, long max) {
        JsonArray a = array(o, key);
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(a.get(i), key + "[" + i + "]", min, max);
        }
        return out;
    }

    int[] ints(JsonObject o, String key, int min, int max) {
        long[] v = integers(o, key, min, max);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }

    /** An object as plain Java values (maps, lists, strings, booleans, doubles, nulls). */
    Map<String, Object> plainObject(JsonObject o, String key) {
        return plain(object(o, key));
    }

    /** Every member an object whose value is an object, as plain Java values. */
    Map<String, Map<String, Object>> objectOfObjects(JsonObject o, String key) {
        JsonObject outer = object(o, key);
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : outer.entrySet()) {
            if (!e.getValue().isJsonObject()) {
                throw refuse(key + "." + e.getKey(), "is not an object");
            }
            out.put(e.getKey(), plain(e.getValue().getAsJsonObject()));
        }
        return out;
    }

    private static Map<String, Object> plain(JsonObject o) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            out.put(e.getKey(), plain(e.getValue()));
        }
        return out;
    }

    // depth is bounded by the parser's nesting limit
    private static Object plain(JsonElement e) {
        if (e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            return plain(e.getAsJsonObject());
        }
        if (e.isJsonArray()) {
            List<Object> out = new ArrayList<>();
            for (JsonElement x : e.getAsJsonArray()) {
                out.add(plain(x));
            }
            return out;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        return p.isNumber() ? (Object) p.getAsDouble() : p.getAsString();
    }

    private BigDecimal number(JsonElement e, String key) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw refuse(key, "is not a number");
        }
        try {
            return e.getAsBigDecimal();
        } catch (NumberFormatException ex) {
            throw refuse(key, "is not a number");
        }
    }

    CheckpointException refuse(String key, String problem) {
        return new CheckpointException(source + ": index field '" + prefix + key + "' " + problem);
    }

    static String shorten(String s) {
        return s == null || s.length() <= 160 ? String.valueOf(s) : s.substring(0, 160) + "...";
    }
}
