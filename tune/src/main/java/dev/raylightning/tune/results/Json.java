package dev.raylightning.tune.results;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.util.List;
import java.util.Map;

/** The package's one Gson setup and the conversion of plain row values to JSON trees. */
final class Json {

    /**
     * NaN and infinities are written bare (as Python's json module does) and nulls are kept, so a
     * metric that is NaN or missing survives a round trip; HTML escaping would only obscure keys.
     */
    static final Gson GSON = new GsonBuilder()
            .serializeSpecialFloatingPointValues()
            .serializeNulls()
            .disableHtmlEscaping()
            .create();

    static final Gson PRETTY = GSON.newBuilder().setPrettyPrinting().create();

    private Json() {
    }

    /** A JSON tree for a row value: null, number, string, boolean, list or map. */
    static JsonElement element(Object v) {
        if (v == null) {
            return JsonNull.INSTANCE;
        }
        if (v instanceof Number n) {
            return new JsonPrimitive(n);
        }
        if (v instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (v instanceof Map<?, ?> m) {
            JsonObject o = new JsonObject();
            m.forEach((k, x) -> o.add(String.valueOf(k), element(x)));
            return o;
        }
        if (v instanceof List<?> l) {
            JsonArray a = new JsonArray();
            l.forEach(x -> a.add(element(x)));
            return a;
        }
        return new JsonPrimitive(v.toString());
    }

    /** Parses leniently, which is what accepts bare NaN and Infinity. */
    static JsonElement parse(String text) {
        return JsonParser.parseString(text);
    }
}
