package dev.raylightning.tune.search;

import dev.raylightning.tune.TrialConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.raylightning.tune.search.SearchSpace.*;
import static dev.raylightning.tune.search.SearchSpaceTest.map;
import static org.junit.jupiter.api.Assertions.*;

class SampleFromTest {

    private static IllegalArgumentException fails(Map<String, Object> space) {
        return assertThrows(IllegalArgumentException.class, () -> SearchSpace.of(space).generate(1, 0));
    }

    @Test
    void readsSampledAndGridValuesOfItsOwnVariant() {
        SearchSpace s = SearchSpace.of(map(
                "a", randint(1, 100),
                "twice", sampleFrom((c, rng) -> c.getInt("a") * 2),
                "model", map("hidden", gridSearch(32, 64), "head", sampleFrom((c, rng) -> c.getInt("model.hidden") / 2))));
        for (TrialConfig c : s.generate(5, 1)) {
            assertEquals(2 * c.getInt("a"), c.getInt("twice"));
            assertEquals(c.getInt("model.hidden") / 2, c.getInt("model.head"));
        }
    }

    @Test
    void mayReadSampleFromValuesDeclaredAfterIt() {
        // first reads second, second reads third: resolved over several passes.
        SearchSpace s = SearchSpace.of(map(
                "first", sampleFrom((c, rng) -> c.getInt("second") + 1),
                "second", sampleFrom((c, rng) -> c.getInt("third") + 1),
                "third", sampleFrom((c, rng) -> c.getInt("base") * 10),
                "base", randint(1, 5)));
        for (TrialConfig c : s.generate(4, 2)) {
            int base = c.getInt("base");
            assertEquals(base * 10, c.getInt("third"));
            assertEquals(base * 10 + 1, c.getInt("second"));
            assertEquals(base * 10 + 2, c.getInt("first"));
            assertEquals(List.of("first", "second", "third", "base"), List.copyOf(c.asMap().keySet()));
        }
    }

    @Test
    void mayReturnNestedConfigsAndListsAndUseItsRandom() {
        SearchSpace s = SearchSpace.of(map(
                "width", gridSearch(2, 3),
                "layers", sampleFrom((c, rng) -> java.util.Collections.nCopies(c.getInt("width"), 16)),
                "sched", sampleFrom((c, rng) -> map("kind", "cosine", "warmup", rng.nextInt(10))),
                "reads_sched", sampleFrom((c, rng) -> c.getString("sched.kind") + "!")));
        List<TrialConfig> configs = s.generate(1, 3);
        assertEquals(List.of(16L, 16L), configs.get(0).get("layers"));
        assertEquals(List.of(16L, 16L, 16L), configs.get(1).get("layers"));
        int warmup = configs.get(0).getInt("sched.warmup");
        assertTrue(warmup >= 0 && warmup < 10);
        assertEquals("cosine!", configs.get(0).getString("reads_sched"));
    }

    @Test
    void aThrowingFunctionFailsNamingItsKeyPathAndCause() {
        IllegalArgumentException e = fails(map("a", 0, "m", map("ratio", sampleFrom((c, rng) -> 1 / c.getInt("a")))));
        assertEquals("sampleFrom at 'm.ratio' failed: ArithmeticException: / by zero", e.getMessage());
        assertInstanceOf(ArithmeticException.class, e.getCause());
    }

    @Test
    void readingAValueThatDoesntExistNamesBothPaths() {
        IllegalArgumentException e = fails(map("lr", 0.1, "x", sampleFrom((c, rng) -> c.getDouble("lrr") * 2)));
        assertTrue(e.getMessage().startsWith("sampleFrom at 'x' failed: IllegalArgumentException: config has no value at 'lrr'"),
                e.getMessage());
    }

    @Test
    void theRootFailureIsReportedNotWhatDependsOnIt() {
        IllegalArgumentException e = fails(map(
                "uses", sampleFrom((c, rng) -> c.getInt("broken") + 1),
                "broken", sampleFrom((c, rng) -> {
                    throw new IllegalStateException("no GPU");
                })));
        assertEquals("sampleFrom at 'broken' failed: IllegalStateException: no GPU; also left unresolved: [uses]",
                e.getMessage());
    }

    @Test
    void cyclesAreDetectedAndNamed() {
        IllegalArgumentException e = fails(map(
                "ok", 1,
                "a", sampleFrom((c, rng) -> c.getInt("b") + 1),
                "b", sampleFrom((c, rng) -> c.getInt("c") + 1),
                "c", sampleFrom((c, rng) -> c.getInt("a") + 1)));
        assertTrue(e.getMessage().startsWith("sampleFrom values read each other in a cycle: 'a' -> 'b' -> 'c' -> 'a'; "
                + "at 'a': IllegalArgumentException: config has no value at 'b'"), e.getMessage());
    }

    @Test
    void aCycleBehindAnUnrelatedValueIsFoundFromWhereItStarts() {
        IllegalArgumentException e = fails(map(
                "head", sampleFrom((c, rng) -> c.getInt("n.x")),
                "n", map("x", sampleFrom((c, rng) -> c.getInt("n.y")), "y", sampleFrom((c, rng) -> c.getInt("n.x")))));
        assertTrue(e.getMessage().startsWith("sampleFrom values read each other in a cycle: 'n.x' -> 'n.y' -> 'n.x'"),
                e.getMessage());
    }

    @Test
    void aFunctionReadingItselfIsACycle() {
        IllegalArgumentException e = fails(map("a", sampleFrom((c, rng) -> c.getInt("a"))));
        assertTrue(e.getMessage().startsWith("sampleFrom values read each other in a cycle: 'a' -> 'a'"), e.getMessage());
    }

    @Test
    void aCycleEndsAfterFewCalls() {
        AtomicInteger calls = new AtomicInteger();
        fails(map("a", sampleFrom((c, rng) -> {
            calls.incrementAndGet();
            return c.getInt("b");
        }), "b", sampleFrom((c, rng) -> c.getInt("a"))));
        assertEquals(1, calls.get(), "a pass that resolves nothing ends the search");
    }

    @Test
    void unsupportedReturnValuesNameTheKey() {
        IllegalArgumentException e = fails(map("m", map("x", sampleFrom((c, rng) -> new Object()))));
        assertTrue(e.getMessage().startsWith("sampleFrom at 'm.x' returned an unsupported value: value at 'm.x' is a java.lang.Object"),
                e.getMessage());
        e = fails(map("d", sampleFrom((c, rng) -> uniform(0, 1))));
        assertTrue(e.getMessage().contains("value at 'd' is a domain, uniform(0.0, 1.0), where only constants"), e.getMessage());
    }

    @Test
    void retriedFunctionsSeeTheSameRandomness() {
        // 'early' fails on its first try (late is unresolved), succeeds on the second; its draw
        // must equal a draw from a space where it needs no retry.
        List<TrialConfig> retried = SearchSpace.of(map(
                "early", sampleFrom((c, rng) -> {
                    double d = rng.nextDouble();
                    return d + c.getInt("late") * 0;
                }),
                "late", sampleFrom((c, rng) -> 1))).generate(3, 6);
        List<TrialConfig> direct = SearchSpace.of(map(
                "early", sampleFrom((c, rng) -> rng.nextDouble()),
                "late", sampleFrom((c, rng) -> 1))).generate(3, 6);
        for (int i = 0; i < 3; i++) {
            assertEquals(direct.get(i).getDouble("early"), retried.get(i).getDouble("early"));
        }
    }
}
