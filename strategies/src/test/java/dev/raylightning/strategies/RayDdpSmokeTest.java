package dev.raylightning.strategies;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class RayDdpSmokeTest {

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    @Test
    void oneWorkerTrainsOnARayActor() {
        Trainer t = Trainer.builder().maxEpochs(2).seed(1).defaultRootDir(root).enableProgressBar(false)
                .strategy(new RayDdpStrategy(1, 1, false)).build();
        // the driver initialises the weights the worker starts from: seed them, so the result
        // does not depend on which tests ran before in this JVM
        dev.raylightning.core.engine.Engines.seed(1);
        try (TinyClassifier m = new TinyClassifier()) {
            ModelState before = m.stateDict();
            t.fit(m, Fixtures.blobs(256, 64, 32));
            assertEquals(TrainerStatus.FINISHED, t.status());
            assertEquals(16, t.globalStep());
            assertNotEquals(before.arrays().get(0).values()[0], m.stateDict().arrays().get(0).values()[0]);
            assertTrue(t.callbackMetrics().get("val_acc") > 0.8, t.callbackMetrics().toString());
        }
    }
}
