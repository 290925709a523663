package dev.raylightning.strategies;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The strategy's arguments, without a cluster. */
class RayDdpStrategyConfigTest {

    @Test
    void resourcesPerWorkerOverrideCountsAndTheDeviceFollowsTheEffectiveGpuCount() {
        RayDdpStrategy plain = new RayDdpStrategy(4, 2, false);
        assertEquals(Map.of("CPU", 2.0), plain.bundle());
        assertEquals(0.0, plain.effectiveGpusPerWorker());
        assertEquals(2, plain.torchThreadsPerWorker());

        // useGpu=true but the resources say no GPU: no GPU is reserved (ray_lightning still picked CUDA here)
        RayDdpStrategy noGpu = RayDdpStrategy.builder(2).useGpu(true).resourcesPerWorker(Map.of("CPU", 3.0, "GPU", 0.0)).build();
        assertEquals(Map.of("CPU", 3.0), noGpu.bundle());
        assertEquals(0.0, noGpu.effectiveGpusPerWorker());
        assertEquals(3, noGpu.torchThreadsPerWorker());

        // useGpu=false but the resources ask for one: the GPU count wins
        RayDdpStrategy gpu = RayDdpStrategy.builder(2).resourcesPerWorker(Map.of("GPU", 1.0, "custom", 1.0)).build();
        assertEquals(Map.of("CPU", 1.0, "GPU", 1.0, "custom", 1.0), gpu.bundle());
        assertEquals(1.0, gpu.effectiveGpusPerWorker());
        assertEquals(4, new RayDdpStrategy(4, 1, false).worldSize());
    }

    @Test
    void badArgumentsNameTheArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RayDdpStrategy.builder(0)).getMessage().contains("numWorkers"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RayDdpStrategy.builder(1).cpusPerWorker(0))
                .getMessage().contains("cpusPerWorker"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RayDdpStrategy.builder(1).bucketCapMb(0))
                .getMessage().contains("bucketCapMb"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> RayDdpStrategy.builder(1).resourcesPerWorker(Map.of("CPU", -1.0))).getMessage().contains("resourcesPerWorker"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RayDdpStrategy.builder(1).collectiveTimeout(Duration.ZERO))
                .getMessage().contains("collectiveTimeout"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RayDdpStrategy.builder(1).placement(null))
                .getMessage().contains("placement"));
    }

    @Test
    void recoverySettingsAreCheckedAndReachTheStrategy() {
        assertEquals(dev.raylightning.core.strategy.RecoveryPolicy.NONE, new RayDdpStrategy(2, 1, false).recoveryPolicy());
        var policy = RayDdpStrategy.builder(2).maxFailures(3).recoveryCheckpointEveryNSteps(50).build().recoveryPolicy();
        assertEquals(3, policy.maxFailures());
        assertEquals(50, policy.snapshotEveryNSteps());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RayDdpStrategy.builder(1).maxFailures(-1))
                .getMessage().contains("maxFailures"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> HorovodRayStrategy.builder(1).recoveryCheckpointEveryNSteps(0)).getMessage()
                .contains("recoveryCheckpointEveryNSteps"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RayShardedStrategy.builder(2).shardedCheckpoints(true).maxFailures(1).build());
        assertTrue(e.getMessage().contains("shardedCheckpoints(true)"), e.getMessage());
        assertEquals(1, RayShardedStrategy.builder(2).maxFailures(1).build().recoveryPolicy().maxFailures());
    }

    @Test
    void theDriverNeverReducesGradientsItself() {
        assertThrows(IllegalStateException.class, () -> new RayDdpStrategy(2, 1, false).reduceGradients(java.util.List.of()));
    }

    @Test
    void askingForGpusIsRefusedBeforeAnyClusterWork() {
        var trainer = dev.raylightning.core.Trainer.builder().maxEpochs(1).logger(false).enableCheckpointing(false)
                .enableProgressBar(false).strategy(new RayDdpStrategy(2, 1, true)).build();
        long start = System.nanoTime();
        boolean connected = dev.raylightning.strategies.cluster.RayRuntime.isConnected();
        try (var m = new dev.raylightning.core.testing.TinyClassifier()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> trainer.fit(m, dev.raylightning.core.testing.Fixtures.blobs(32, 16, 16)));
            assertTrue(e.getMessage().contains("GPU training is not available yet"), e.getMessage());
        }
        assertTrue((System.nanoTime() - start) / 1e9 < 10, "refused at once");
        assertEquals(connected, dev.raylightning.strategies.cluster.RayRuntime.isConnected(),
                "no Ray cluster was started for it");
    }
}
