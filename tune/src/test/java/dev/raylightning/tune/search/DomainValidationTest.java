package dev.raylightning.tune.search;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.raylightning.tune.search.SearchSpace.*;
import static org.junit.jupiter.api.Assertions.*;

class DomainValidationTest {

    /** Asserts the call fails with exactly this message. */
    private static void rejects(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(message, e.getMessage());
    }

    /** Asserts the call fails with a message starting with the call and naming the problem. */
    private static void rejectsMentioning(String start, String problem, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(start), "should start with " + start + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(problem), "should mention " + problem + ": " + e.getMessage());
    }

    @Test
    void continuousRangesNameTheCallAndTheBadArgument() {
        rejects("loguniform(0.0, 0.1): lower bound must be > 0", () -> loguniform(0.0, 0.1));
        rejects("loguniform(-1.0, 0.1): lower bound must be > 0", () -> loguniform(-1, 0.1));
        rejects("loguniform(0.1, 0.0001): lower bound 0.1 must be < upper bound 0.0001", () -> loguniform(0.1, 1e-4));
        rejects("uniform(1.0, 1.0): lower bound 1.0 must be < upper bound 1.0", () -> uniform(1, 1));
        rejects("uniform(2.0, 1.0): lower bound 2.0 must be < upper bound 1.0", () -> uniform(2, 1));
        rejects("uniform(NaN, 1.0): lower bound must be a finite number, got NaN", () -> uniform(Double.NaN, 1));
        rejects("uniform(0.0, Infinity): upper bound must be a finite number, got Infinity",
                () -> uniform(0, Double.POSITIVE_INFINITY));
        rejectsMentioning("uniform(-1.0E308, 1.0E308)", "too wide", () -> uniform(-1e308, 1e308));
        rejects("randn(0.0, 0.0): sd must be > 0, got 0.0", () -> randn(0, 0));
        rejects("randn(NaN, 1.0): mean must be a finite number, got NaN", () -> randn(Double.NaN, 1));
    }

    @Test
    void quantizedRangesCheckTheirStep() {
        rejects("quniform(0.0, 1.0, 0.0): q must be > 0, got 0.0", () -> quniform(0, 1, 0));
        rejects("quniform(0.0, 1.0, -0.1): q must be > 0, got -0.1", () -> quniform(0, 1, -0.1));
        rejects("quniform(0.0, 1.0, NaN): q must be a finite number, got NaN", () -> quniform(0, 1, Double.NaN));
        rejects("quniform(0.0, 1.0, 0.3): upper bound 1.0 must be a multiple of q=0.3", () -> quniform(0, 1, 0.3));
        rejects("quniform(0.05, 1.0, 0.1): lower bound 0.05 must be a multiple of q=0.1",
                () -> quniform(0.05, 1, 0.1));
        rejects("qloguniform(0.0, 1.0, 0.1): lower bound must be > 0", () -> qloguniform(0, 1, 0.1));
        rejects("qloguniform(0.0001, 0.1, 0.0003): lower bound 0.0001 must be a multiple of q=0.0003",
                () -> qloguniform(1e-4, 0.1, 3e-4));
        // Bounds that are multiples only up to binary rounding are accepted.
        assertDoesNotThrow(() -> quniform(0.3, 0.9, 0.1));
        assertDoesNotThrow(() -> qloguniform(1e-4, 1e-1, 1e-4));
    }

    @Test
    void integerRangesNameTheCallAndTheBadArgument() {
        rejects("randint(5, 5): lower bound 5 must be < upper bound 5 (the upper bound is excluded)",
                () -> randint(5, 5));
        rejects("qrandint(0, 10, 0): q must be > 0, got 0", () -> qrandint(0, 10, 0));
        rejects("qrandint(10, 0, 2): lower bound 10 must be < upper bound 0", () -> qrandint(10, 0, 2));
        rejects("qrandint(1, 3, 5): no multiple of q=5 lies in [1, 3]", () -> qrandint(1, 3, 5));
    }

    @Test
    void choiceAndGridNeedValuesTheyCanHold() {
        rejects("choice(): needs at least one option", () -> choice());
        rejects("choice(): needs at least one option", () -> choice(List.of()));
        rejects("choice(null): needs at least one option", () -> choice((Object[]) null));
        rejects("gridSearch(): needs at least one value", () -> gridSearch());
        rejects("gridSearch(): needs at least one value", () -> gridSearch(new ArrayList<>()));
        rejectsMentioning("choice(1, ", "value at 'options[1]' is a java.lang.Object", () -> choice(1, new Object()));
        rejectsMentioning("choice(\"a\", ", "value at 'options[1]' is a domain, uniform(0.0, 1.0), where only constants",
                () -> choice("a", uniform(0, 1)));
        rejectsMentioning("choice(", "value at 'options[0][1]' is a java.lang.Thread",
                () -> choice(List.of(List.of(1, Thread.currentThread()))));
        rejectsMentioning("gridSearch(", "value at 'values[0][0]' is a domain, randint(0, 3), inside a list",
                () -> gridSearch(List.of(List.of(randint(0, 3)))));
        rejectsMentioning("gridSearch(", "value at 'values[0]' is a [I (use a List instead of an array)",
                () -> gridSearch(new int[] {1, 2}, new int[] {3}));
        rejects("sampleFrom(null): function must not be null", () -> sampleFrom(null));
    }

    @Test
    void nullIsAValidOption() {
        assertEquals(java.util.Arrays.asList("a", null), choice("a", null).options());
        assertEquals(java.util.Arrays.asList(null, 1), gridSearch(java.util.Arrays.asList(null, 1)).values());
    }

    @Test
    void toStringReadsLikeTheFactoryCall() {
        assertEquals("loguniform(0.0001, 0.1)", loguniform(1e-4, 0.1).toString());
        assertEquals("loguniform(1.0E-8, 1.0)", loguniform(1e-8, 1).toString());
        assertEquals("uniform(-1.0, 2.5)", uniform(-1, 2.5).toString());
        assertEquals("quniform(0.0, 1.0, 0.1)", quniform(0, 1, 0.1).toString());
        assertEquals("qloguniform(1.0, 1000.0, 1.0)", qloguniform(1, 1000, 1).toString());
        assertEquals("randint(0, 10)", randint(0, 10).toString());
        assertEquals("qrandint(0, 100, 10)", qrandint(0, 100, 10).toString());
        assertEquals("randn(0.0, 1.0)", randn(0, 1).toString());
        assertEquals("choice(\"relu\", \"tanh\", 3, 0.5)", choice("relu", "tanh", 3, 0.5).toString());
        assertEquals("gridSearch(16, [1, 2], {a=uniform(0.0, 1.0)})",
                gridSearch(16, List.of(1, 2), Map.of("a", uniform(0, 1))).toString());
        assertEquals("sampleFrom(<function>)", sampleFrom((c, r) -> 1).toString());
    }

    @Test
    void domainsAreValuesWithEquality() {
        assertEquals(uniform(0, 1), uniform(0, 1));
        assertEquals(choice(1, 2), choice(List.of(1, 2)));
        assertNotEquals(randint(0, 3), randint(0, 4));
    }

    @Test
    void optionsAreCopiedSoLaterChangesDontLeakIn() {
        List<Object> options = new ArrayList<>(List.of("a", "b"));
        Choice c = choice(options);
        options.add("c");
        assertEquals(List.of("a", "b"), c.options());
        assertThrows(UnsupportedOperationException.class, () -> c.options().add("d"));
    }

    @Test
    void gridSizeCountsNestedGrids() {
        assertEquals(3, gridSearch(1, 2, 3).size());
        assertEquals(4, gridSearch(Map.of("x", gridSearch(1, 2, 3)), "flat").size());
    }
}
