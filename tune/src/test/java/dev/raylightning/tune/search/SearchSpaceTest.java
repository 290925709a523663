package dev.raylightning.tune.search;

import dev.raylightning.tune.TrialConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.raylightning.tune.search.SearchSpace.*;
import static org.junit.jupiter.api.Assertions.*;

class SearchSpaceTest {

    /** A LinkedHashMap from alternating keys and values, so tests control key order. */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static void rejectsMentioning(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "should mention " + expected + ": " + e.getMessage());
    }

    @Test
    void unsupportedValuesAreNamedByTheirDottedPath() {
        rejectsMentioning("value at 'model.act' is a java.util.Optional",
                () -> SearchSpace.of(map("lr", 0.1, "model", map("hidden", 64, "act", Optional.of("relu")))));
        rejectsMentioning("value at 'a.b.c' is a java.lang.StringBuilder",
                () -> SearchSpace.of(map("a", map("b", map("c", new StringBuilder("x"))))));
        rejectsMentioning("value at 'layers[1]' is a domain, randint(1, 4), inside a list",
                () -> SearchSpace.of(map("layers", List.of(32, randint(1, 4)))));
        rejectsMentioning("value at 'x[0].y' is a java.lang.Object",
                () -> SearchSpace.of(map("x", List.of(map("y", new Object())))));
        rejectsMentioning("value at 'ids' is a [J (use a List instead of an array)",
                () -> SearchSpace.of(map("ids", new long[] {1, 2})));
    }

    @Test
    void badKeysAreNamedWithWhereTheyAre() {
        Map<String, Object> nullKey = new HashMap<>();
        nullKey.put(null, 1);
        rejectsMentioning("a key under 'model' is null", () -> SearchSpace.of(map("model", nullKey)));
        rejectsMentioning("a key at the top level is null", () -> SearchSpace.of(nullKey));
        rejectsMentioning("key 'a.b' under 'opt' is empty or contains '.'", () -> SearchSpace.of(map("opt", map("a.b", 1))));
        rejectsMentioning("key '' at the top level", () -> SearchSpace.of(map("", 1)));
        Map<Object, Object> intKey = new HashMap<>();
        intKey.put(7, "x");
        rejectsMentioning("key 7 under 'm' is a java.lang.Integer", () -> SearchSpace.of(map("m", intKey)));
        rejectsMentioning("space must not be null", () -> SearchSpace.of(null));
    }

    @Test
    void acceptsConstantsOfEveryKindAndNestingAtAnyDepth() {
        Map<String, Object> deep = map("l1", map("l2", map("l3", map("l4", map("lr", loguniform(1e-4, 1e-2))))));
        SearchSpace s = SearchSpace.of(map(
                "int", 1, "long", 2L, "double", 0.5, "float", 1.5f, "string", "s", "bool", true,
                "enum", TimeUnit.SECONDS, "char", 'c', "none", null, "list", List.of(1, "two", List.of(3.0)),
                "empty", map(), "deep", deep));
        assertFalse(s.isEmpty());
        assertEquals(1, s.gridSize());
        TrialConfig c = s.generate(1, 0).get(0);
        assertEquals(1, c.getInt("int"));
        assertEquals("SECONDS", c.getString("enum"));
        assertEquals(List.of(1L, "two", List.of(3.0)), c.get("list"));
        double lr = c.getDouble("deep.l1.l2.l3.l4.lr");
        assertTrue(lr >= 1e-4 && lr <= 1e-2, "lr " + lr);
    }

    @Test
    void gridSizeIsTheProductOfGridLengths() {
        assertEquals(1, SearchSpace.of(map()).gridSize());
        assertEquals(1, SearchSpace.of(map("lr", uniform(0, 1))).gridSize());
        assertEquals(12, SearchSpace.of(map(
                "a", gridSearch(1, 2, 3),
                "b", map("c", gridSearch("x", "y"), "d", gridSearch(true, false)),
                "e", choice(1, 2))).gridSize());
    }

    @Test
    void isEmptyOnlyWithoutKeys() {
        assertTrue(SearchSpace.of(map()).isEmpty());
        assertTrue(SearchSpace.empty().isEmpty());
        assertFalse(SearchSpace.of(map("a", map())).isEmpty());
    }

    @Test
    void toStringShowsDomainsAsFactoryCalls() {
        SearchSpace s = SearchSpace.of(map("lr", loguniform(1e-4, 0.1), "model", map("hidden", gridSearch(64, 128)), "seed", 7));
        assertEquals("{lr=loguniform(0.0001, 0.1), model={hidden=gridSearch(64, 128)}, seed=7}", s.toString());
    }

    @Test
    void theSpaceIsACopyThatCantChange() {
        Map<String, Object> inner = map("hidden", 64);
        Map<String, Object> raw = map("model", inner, "tags", new ArrayList<>(List.of("a")));
        SearchSpace s = SearchSpace.of(raw);
        inner.put("hidden", 128);
        raw.put("extra", 1);
        assertEquals("{model={hidden=64}, tags=[a]}", s.toString());
        assertThrows(UnsupportedOperationException.class, () -> s.asMap().put("x", 1));
    }

    @Test
    void serializedSpacesGenerateTheSameConfigs() throws Exception {
        int factor = 3;   // captured, so the lambda's serialized form carries state
        SearchSpace s = SearchSpace.of(map(
                "a", randint(0, 100),
                "b", sampleFrom((c, rng) -> c.getInt("a") * factor),
                "g", gridSearch(map("opt", "sgd", "m", uniform(0, 1)), "adam")));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        SearchSpace copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (SearchSpace) in.readObject();
        }
        assertEquals(s.toString(), copy.toString());
        assertEquals(s.generate(3, 9), copy.generate(3, 9));
    }
}
