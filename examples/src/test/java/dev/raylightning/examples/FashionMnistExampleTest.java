package dev.raylightning.examples;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Prediction;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.callbacks.MonitorMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The README's example, end to end on the real data (fetched by the build before tests). */
class FashionMnistExampleTest {

    static Path dataDir;

    @TempDir
    Path root;

    @BeforeAll
    static void requireData() {
        dataDir = DataDirectory.resolve();
        assertTrue(Files.isDirectory(dataDir.resolve("fashion-mnist")),
                "Fashion-MNIST must be fetched before these tests (" + DataDirectory.FETCH_COMMAND + "); looked in " + dataDir);
    }

    @Test
    void mlpReachesEightyFivePercentTestAccuracy() {
        var data = new FashionMnistDataModule(dataDir, 64);
        ModelCheckpoint ckpt = ModelCheckpoint.builder().monitor("ptl/val_accuracy").mode(MonitorMode.MAX).build();
        Trainer trainer = Trainer.builder().maxEpochs(5).seed(42).defaultRootDir(root).enableProgressBar(false)
                .callbacks(ckpt).build();
        try (var model = new FashionMnistClassifier(FashionMnistClassifier.Architecture.MLP, 128, 1e-3)) {
            long start = System.nanoTime();
            trainer.fit(model, data);
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Map<String, Double>> test = trainer.test(model, data);
            double acc = test.get(0).get("test_accuracy");
            System.out.printf("MLP: test accuracy %.4f after %d epochs, fit %.1f s%n", acc, trainer.currentEpoch(), seconds);
            assertTrue(acc >= 0.85, "test accuracy " + acc);

            List<Prediction> predictions = trainer.predict(model, data);
            assertEquals(10_000 / 64 + 1, predictions.size());
            assertEquals(16, predictions.get(predictions.size() - 1).output().rows());

            // the best checkpoint restores a module with the same validation accuracy it was saved with
            try (var best = LightningModule.loadFromCheckpoint(Path.of(ckpt.bestModelPath()), FashionMnistClassifier::fromHparams)) {
                Trainer eval = Trainer.builder().logger(false).enableCheckpointing(false).enableProgressBar(false).build();
                double valAcc = eval.validate(best, data).get(0).get("ptl/val_accuracy");
                assertEquals(ckpt.bestModelScore().orElseThrow(), valAcc, 1e-6);
            }
        }
    }

    @Test
    void cnnTrainsOnASubset() {
        var data = new FashionMnistDataModule(dataDir, 64, 1_000, 42, 4_000);
        Trainer trainer = Trainer.builder().maxEpochs(1).seed(42).defaultRootDir(root).enableProgressBar(false)
                .logger(false).enableCheckpointing(false).build();
        try (var model = new FashionMnistClassifier(FashionMnistClassifier.Architecture.CNN, 128, 2e-3)) {
            trainer.fit(model, data);
            double acc = trainer.callbackMetrics().get("ptl/val_accuracy");
            assertTrue(acc > 0.6, "CNN validation accuracy after 4k samples: " + acc);
        }
    }

    @Test
    void missingDataNamesTheFetchCommand() {
        var data = new FashionMnistDataModule(root.resolve("nothing-here"), 64);
        Trainer trainer = Trainer.builder().maxEpochs(1).logger(false).enableCheckpointing(false).enableProgressBar(false).build();
        try (var model = new FashionMnistClassifier(FashionMnistClassifier.Architecture.MLP, 8, 1e-3)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.fit(model, data));
            assertTrue(e.getMessage().contains("scripts/fetch-data.sh"), e.getMessage());
            assertTrue(e.getMessage().contains("nothing-here"), e.getMessage());
        }
    }
}
