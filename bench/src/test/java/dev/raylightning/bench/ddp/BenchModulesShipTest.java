package dev.raylightning.bench.ddp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.util.JavaBytes;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every module the DDP benchmark trains must ship to Ray workers, which Java-serialize it: a
 * non-serializable field (a DJL loss once) fails only the Ray variants, minutes into a run.
 */
class BenchModulesShipTest {

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "cnn-s", "cnn-m", "cnn-l"})
    void everyBenchmarkModuleSerializes(String name) {
        LightningModule module = RunSettings.model(name);
        Object copy = JavaBytes.read(JavaBytes.write(module));
        assertEquals(module.getClass(), copy.getClass());
    }
}
