package dev.raylightning.examples;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.cluster.RayRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The README's main example: the classifier on two Ray workers of a local cluster. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FashionMnistRayExampleTest {

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    @Test
    void trainsOnTwoRayWorkersThenTestsOnTheDriver() {
        Path dataDir = DataDirectory.resolve();
        assertTrue(Files.isDirectory(dataDir.resolve("fashion-mnist")), "fetch the data first: " + DataDirectory.FETCH_COMMAND);
        var data = new FashionMnistDataModule(dataDir, 64, 2_000, 42, 12_000);
        Trainer trainer = Trainer.builder().maxEpochs(1).seed(42).defaultRootDir(root).enableProgressBar(false)
                .strategy(new RayDdpStrategy(2, 1, false)).build();
        try (var model = new FashionMnistClassifier(FashionMnistClassifier.Architecture.MLP, 128, 1e-3)) {
            trainer.fit(model, data);
            assertEquals(TrainerStatus.FINISHED, trainer.status());
            assertEquals(12_000 / 2 / 64 + 1, trainer.globalStep(), "each worker trains on half of the samples");
            double valAcc = trainer.callbackMetrics().get("ptl/val_accuracy");
            assertTrue(valAcc > 0.75, "validation accuracy " + valAcc);
            // the trained weights are on the driver: test there without Ray
            Trainer local = Trainer.builder().logger(false).enableCheckpointing(false).enableProgressBar(false).build();
            double testAcc = local.test(model, data).get(0).get("test_accuracy");
            assertTrue(testAcc > 0.7, "test accuracy on the driver " + testAcc);
            assertTrue(Files.isRegularFile(Path.of(trainer.checkpointCallback().orElseThrow().bestModelPath())));
        }
    }
}
