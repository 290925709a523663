package dev.raylightning.examples;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.strategies.HorovodRayStrategy;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.horovod.Compression;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The example's classifier on two Horovod workers: 16-bit gradients on the wire cost no accuracy to speak of. */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class HorovodCompressionExampleTest {

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    @Test
    void fp16AndBf16EndWithinOnePointOfUncompressedTestAccuracy() {
        Path dataDir = DataDirectory.resolve();
        assertTrue(Files.isDirectory(dataDir.resolve("fashion-mnist")), "fetch the data first: " + DataDirectory.FETCH_COMMAND);
        var data = new FashionMnistDataModule(dataDir, 64, 2_000, 42, 12_000);
        Map<Compression, Double> accuracy = new EnumMap<>(Compression.class);
        for (Compression c : Compression.values()) {
            Trainer trainer = Trainer.builder().maxEpochs(1).seed(42).defaultRootDir(root.resolve(c.name()))
                    .enableProgressBar(false).logger(false).enableCheckpointing(false)
                    .strategy(HorovodRayStrategy.builder(2).compression(c).build()).build();
            try (var model = new FashionMnistClassifier(FashionMnistClassifier.Architecture.MLP, 128, 1e-3)) {
                trainer.fit(model, data);
                assertEquals(TrainerStatus.FINISHED, trainer.status());
                Trainer local = Trainer.builder().logger(false).enableCheckpointing(false).enableProgressBar(false).build();
                accuracy.put(c, local.test(model, data).get(0).get("test_accuracy"));
            }
        }
        System.out.println("test accuracy by compression after one epoch: " + accuracy);
        assertTrue(accuracy.get(Compression.NONE) > 0.7, accuracy.toString());
        assertEquals(accuracy.get(Compression.NONE), accuracy.get(Compression.FP16), 0.01, accuracy.toString());
        assertEquals(accuracy.get(Compression.NONE), accuracy.get(Compression.BF16), 0.01, accuracy.toString());
    }
}
