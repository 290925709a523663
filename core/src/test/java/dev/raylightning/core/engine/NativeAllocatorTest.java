package dev.raylightning.core.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class NativeAllocatorTest {

    @Test
    void theThresholdsAreAppliedOnceOnLinuxWithGlibc() {
        // this project's machines are Linux with glibc; the engine start applies the tuning
        Engines.pytorch();
        boolean applied = NativeAllocator.tune();
        assertTrue(applied, "mallopt should accept the thresholds on glibc");
        assertEquals(applied, NativeAllocator.tune(), "a second call changes nothing");
    }
}
