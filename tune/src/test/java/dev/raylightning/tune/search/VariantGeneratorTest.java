package dev.raylightning.tune.search;

import dev.raylightning.tune.TrialConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.raylightning.tune.search.SearchSpace.*;
import static dev.raylightning.tune.search.SearchSpaceTest.map;
import static org.junit.jupiter.api.Assertions.*;

class VariantGeneratorTest {

    private static List<Object> values(List<TrialConfig> configs, String path) {
        List<Object> out = new ArrayList<>();
        for (TrialConfig c : configs) {
            out.add(c.get(path));
        }
        return out;
    }

    @Test
    void gridIsRepeatedNumSamplesTimesWithTheFirstKeyVaryingFastest() {
        SearchSpace s = SearchSpace.of(map("a", gridSearch(1, 2), "b", gridSearch("x", "y", "z"), "lr", uniform(0, 1)));
        List<TrialConfig> configs = VariantGenerator.generate(s, 2, 0);
        assertEquals(12, configs.size());
        List<String> pairs = new ArrayList<>();
        for (TrialConfig c : configs) {
            pairs.add(c.getInt("a") + c.getString("b"));
        }
        List<String> oneSample = List.of("1x", "2x", "1y", "2y", "1z", "2z");
        List<String> expected = new ArrayList<>(oneSample);
        expected.addAll(oneSample);
        assertEquals(expected, pairs);
    }

    @Test
    void crossProductHoldsEveryCombinationExactlyOncePerSample() {
        SearchSpace s = SearchSpace.of(map(
                "opt", map("name", gridSearch("sgd", "adam"), "wd", gridSearch(0.0, 1e-4)),
                "bs", gridSearch(16, 32, 64)));
        assertEquals(12, s.gridSize());
        List<TrialConfig> configs = s.generate(3, 5);
        assertEquals(36, configs.size());
        for (int sample = 0; sample < 3; sample++) {
            Set<List<Object>> combos = new HashSet<>();
            for (TrialConfig c : configs.subList(sample * 12, sample * 12 + 12)) {
                combos.add(List.of(c.get("opt.name"), c.get("opt.wd"), c.get("bs")));
            }
            assertEquals(12, combos.size(), "sample " + sample + " has every combination: " + combos);
        }
        // Nested grid keys count depth first, so opt.name is the first key and varies fastest.
        assertEquals(List.of("sgd", "adam", "sgd", "adam"), values(configs.subList(0, 4), "opt.name"));
        assertEquals(List.of(0.0, 0.0, 1e-4, 1e-4), values(configs.subList(0, 4), "opt.wd"));
        assertEquals(List.of(16L, 16L, 16L, 16L, 32L), values(configs.subList(0, 5), "bs"));
    }

    @Test
    void withoutGridsThereAreNumSamplesConfigs() {
        assertEquals(7, SearchSpace.of(map("lr", loguniform(1e-4, 1))).generate(7, 1).size());
        List<TrialConfig> empty = SearchSpace.empty().generate(3, 1);
        assertEquals(List.of(TrialConfig.empty(), TrialConfig.empty(), TrialConfig.empty()), empty);
    }

    @Test
    void randomDomainsAreSampledAnewForEachVariant() {
        SearchSpace s = SearchSpace.of(map("g", gridSearch(1, 2, 3, 4), "lr", uniform(0, 1), "n", randint(0, 1_000_000)));
        List<TrialConfig> configs = s.generate(5, 3);
        assertEquals(20, new HashSet<>(values(configs, "lr")).size(), "every variant draws its own lr");
        assertTrue(new HashSet<>(values(configs, "n")).size() > 15);
    }

    @Test
    void sameSeedSameConfigsDifferentSeedDifferentSamples() {
        SearchSpace s = SearchSpace.of(map("g", gridSearch("a", "b"), "lr", loguniform(1e-5, 1),
                "bs", choice(16, 32, 64, 128), "m", map("depth", qrandint(2, 20, 2)),
                "x", sampleFrom((c, rng) -> rng.nextInt(1000))));
        assertEquals(s.generate(4, 42), s.generate(4, 42));
        assertEquals(s.generate(4, 42), SearchSpace.of(map("g", gridSearch("a", "b"), "lr", loguniform(1e-5, 1),
                "bs", choice(16, 32, 64, 128), "m", map("depth", qrandint(2, 20, 2)),
                "x", sampleFrom((c, rng) -> rng.nextInt(1000)))).generate(4, 42), "an equal space, not just the same one");
        assertNotEquals(values(s.generate(4, 42), "lr"), values(s.generate(4, 43), "lr"));
        assertNotEquals(values(s.generate(4, 42), "x"), values(s.generate(4, 43), "x"));
    }

    @Test
    void moreSamplesExtendTheListWithoutChangingItsStart() {
        SearchSpace s = SearchSpace.of(map("g", gridSearch(1, 2), "lr", uniform(0, 1)));
        assertEquals(s.generate(2, 8), s.generate(5, 8).subList(0, 4));
    }

    @Test
    void aValueKeepsItsSamplesWhenOtherKeysAreAdded() {
        // Each key draws from its own stream, so growing a space doesn't reshuffle old keys.
        List<TrialConfig> before = SearchSpace.of(map("lr", uniform(0, 1))).generate(5, 1);
        List<TrialConfig> after = SearchSpace.of(map("dropout", uniform(0, 1), "lr", uniform(0, 1))).generate(5, 1);
        assertEquals(values(before, "lr"), values(after, "lr"));
        assertNotEquals(values(after, "dropout"), values(after, "lr"));
    }

    @Test
    void configsKeepTheSpaceKeyOrder() {
        SearchSpace s = SearchSpace.of(map("z", uniform(0, 1), "b", sampleFrom((c, r) -> c.getDouble("z") * 2),
                "m", map("y", gridSearch(1, 2), "a", 3), "c", "const"));
        for (TrialConfig c : s.generate(2, 0)) {
            assertEquals(List.of("z", "b", "m", "c"), new ArrayList<>(c.asMap().keySet()));
            assertEquals(List.of("y", "a"), new ArrayList<>(c.getConfig("m").asMap().keySet()));
        }
    }

    @Test
    void integerDomainsGiveWholeNumbersThatGetIntReads() {
        SearchSpace s = SearchSpace.of(map("a", randint(1, 5), "b", qrandint(8, 64, 8), "c", choice(1, 2, 3),
                "d", gridSearch(10, 20), "e", uniform(0, 1)));
        for (TrialConfig c : s.generate(10, 4)) {
            assertInstanceOf(Long.class, c.get("a"));
            assertInstanceOf(Long.class, c.get("b"));
            // configs keep every whole number as a Long, so they survive a JSON round trip unchanged
            assertInstanceOf(Long.class, c.get("c"));
            assertInstanceOf(Long.class, c.get("d"));
            assertInstanceOf(Double.class, c.get("e"));
            int a = c.getInt("a");
            assertTrue(a >= 1 && a < 5, "a " + a);
            assertEquals(0, c.getInt("b") % 8);
        }
    }

    @Test
    void gridValuesMayBeListsMapsAndDomains() {
        SearchSpace s = SearchSpace.of(map(
                "layers", gridSearch(List.of(64, 64), List.of(128)),
                "opt", gridSearch(map("name", "sgd", "momentum", uniform(0.5, 0.9)), map("name", "adam")),
                "drop", gridSearch(0.0, uniform(0.1, 0.2))));
        assertEquals(8, s.gridSize());
        List<TrialConfig> configs = s.generate(1, 2);
        assertEquals(8, configs.size());
        assertEquals(List.of(64L, 64L), configs.get(0).get("layers"));
        assertEquals(List.of(128L), configs.get(1).get("layers"));
        TrialConfig sgd = configs.get(0);
        assertEquals("sgd", sgd.getString("opt.name"));
        double m = sgd.getDouble("opt.momentum");
        assertTrue(m >= 0.5 && m < 0.9, "momentum " + m);
        TrialConfig adam = configs.get(2);
        assertEquals(Map.of("name", "adam"), adam.getConfig("opt").asMap());
        assertEquals(0.0, configs.get(0).getDouble("drop"));
        double d = configs.get(4).getDouble("drop");
        assertTrue(d >= 0.1 && d < 0.2, "drop " + d);
    }

    @Test
    void gridsInsideGridValuesExpandToo() {
        SearchSpace s = SearchSpace.of(map(
                "model", gridSearch(map("kind", "mlp", "hidden", gridSearch(32, 64, 128)), map("kind", "cnn")),
                "lr", gridSearch(0.1, 0.01)));
        assertEquals(8, s.gridSize());
        List<String> seen = new ArrayList<>();
        for (TrialConfig c : s.generate(1, 0)) {
            seen.add(c.getString("model.kind") + c.find("model.hidden").map(Object::toString).orElse("")
                    + "@" + c.getDouble("lr"));
        }
        assertEquals(List.of("mlp32@0.1", "mlp64@0.1", "mlp128@0.1", "cnn@0.1",
                "mlp32@0.01", "mlp64@0.01", "mlp128@0.01", "cnn@0.01"), seen);
    }

    @Test
    void badArgumentsAreRejected() {
        SearchSpace s = SearchSpace.of(map("a", 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.generate(0, 1));
        assertEquals("generate: numSamples must be >= 1, got 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VariantGenerator.generate(s, -3, 1));
        assertThrows(IllegalArgumentException.class, () -> VariantGenerator.generate(null, 1, 1));
        SearchSpace huge = SearchSpace.of(map("a", gridSearch(1, 2), "b", gridSearch(1, 2)));
        e = assertThrows(IllegalArgumentException.class, () -> huge.generate(Integer.MAX_VALUE, 1));
        assertTrue(e.getMessage().contains("4 grid variants x 2147483647 samples"), e.getMessage());
    }
}
