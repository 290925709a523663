package dev.raylightning.strategies;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.testing.Blobs;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.testing.RayProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * DDP whose gradient all-reduces all go through shared memory (threshold 0 on the workers), the
 * ranks waiting for each other on futexes: two worker JVMs on one host still land on the weights
 * of one process at twice the batch.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RayDdpSharedMemoryTest {

    @TempDir
    Path root;

    @BeforeAll
    static void forceSharedMemory() {
        RayRuntime.shutdown();
        System.setProperty(RayRuntime.WORKER_JVM_OPTIONS_PROPERTY, "-Dray.lightning.shm-threshold-bytes=0");
    }

    @AfterAll
    static void stopRay() {
        try {
            RayRuntime.shutdown();
        } finally {
            System.clearProperty(RayRuntime.WORKER_JVM_OPTIONS_PROPERTY);
        }
    }

    private static LightningDataModule data(int batch) {
        DataLoader train = DataLoader.builder(Blobs.dataset(256, 1)).batchSize(batch).shuffle(true).seed(9).build();
        DataLoader val = DataLoader.builder(Blobs.dataset(64, 2)).batchSize(batch).build();
        return LightningDataModule.of(train, val);
    }

    private Trainer.Builder trainer() {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).seed(3).maxEpochs(2).logger(false)
                .enableCheckpointing(false);
    }

    @Test
    void twoWorkersThroughSharedMemoryMatchOneProcessAtTwiceTheBatch() {
        ModelState single;
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            trainer().build().fit(m, data(32));
            single = m.stateDict();
        }
        RayProbe probe = new RayProbe();
        Trainer t = trainer().callbacks(probe).strategy(new RayDdpStrategy(2, 1, false)).build();
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            t.fit(m, data(16));
            assertEquals(16, t.globalStep());
            RayDdpStrategyTest.assertWeightsClose(single.arrays(), m.stateDict().arrays(), 1e-5);
        }
        String strategy = String.valueOf(probe.seen().get("strategy"));
        assertTrue(strategy.contains("shared memory from 0 bytes"), strategy);
        // seen at the second epoch's start, after the first epoch's all-reduces made the barrier
        assertTrue(strategy.contains("futex barriers"), strategy);
    }
}
