package dev.raylightning.core.util;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class ChecksTest {

    private static String refused(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void refusalsNameTheArgumentAndTheValue() {
        assertEquals("workers must be >= 1, got 0", refused(() -> Checks.checkAtLeast(0, 1, "workers")));
        assertEquals("steps must be >= -1, got -7", refused(() -> Checks.checkAtLeast(-7L, -1L, "steps")));
        assertEquals("lr must be > 0, got NaN", refused(() -> Checks.checkPositive(Double.NaN, "lr")));
        assertEquals("timeout must be positive, got PT0S", refused(() -> Checks.checkPositive(Duration.ZERO, "timeout")));
        assertEquals("timeout must be positive, got null", refused(() -> Checks.checkPositive((Duration) null, "timeout")));
        assertEquals("name must not be null", refused(() -> Checks.checkNotNull(null, "name")));
        assertEquals("a 3 of 2", refused(() -> Checks.checkArgument(false, "a %s of %s", 3, 2)));
    }

    @Test
    void acceptedValuesComeBackUnchanged() {
        assertEquals(5, Checks.checkAtLeast(5, 1, "n"));
        assertEquals(0.5, Checks.checkPositive(0.5, "x"));
        assertEquals("v", Checks.checkNotNull("v", "v"));
        Checks.checkArgument(true, "never %s", "shown");
    }
}
