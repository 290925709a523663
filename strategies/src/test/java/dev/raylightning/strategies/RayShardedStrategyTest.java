package dev.raylightning.strategies;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerConfig;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.CheckpointIO;
import dev.raylightning.core.optim.ParameterOptimizer;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.launcher.RayWorkerException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** RayShardedStrategy on a real local Ray cluster: every worker its own JVM. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RayShardedStrategyTest {

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    private Trainer.Builder trainer(Strategy strategy, Path ckpt) {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).seed(3).maxEpochs(2)
                .gradientClipVal(0.5).gradientClipAlgorithm(TrainerConfig.ClipAlgorithm.NORM).strategy(strategy)
                .callbacks(new ShardedStrategyTest.SaveAtEnd(ckpt));
    }

    /** Half a CPU per worker, so three fit on two cores. */
    private static Map<String, Double> halfCpu() {
        return Map.of("CPU", 0.5);
    }

    private Checkpoint fit(Strategy strategy, String name) {
        return fit(strategy, name, "adamw-schedule");
    }

    private Checkpoint fit(Strategy strategy, String name, String kind, dev.raylightning.core.callbacks.Callback... more) {
        Path ckpt = root.resolve(name + ".ckpt");
        Trainer.Builder b = trainer(strategy, ckpt).enableCheckpointing(false);
        List<dev.raylightning.core.callbacks.Callback> callbacks = new ArrayList<>(List.of(
                new ShardedStrategyTest.SaveAtEnd(ckpt)));
        callbacks.addAll(List.of(more));
        Trainer t = b.callbacks(callbacks).build();
        try (ShardedStrategyTest.Model m = new ShardedStrategyTest.Model(kind)) {
            t.fit(m, ShardedStrategyTest.data(20));
            assertEquals(TrainerStatus.FINISHED, t.status());
            assertEquals(2 * 240 / strategy.worldSize() / 20, t.globalStep());
        }
        return CheckpointIO.read(ckpt);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd-momentum", "adam"})
    void twoShardedWorkersLandOnTwoDdpWorkersHoldingHalfTheState(String kind) {
        Checkpoint ddp = fit(new RayDdpStrategy(2, 1, false), "ddp-" + kind, kind);
        ShardedStrategyTest.StateSizes sizes = new ShardedStrategyTest.StateSizes();
        Checkpoint sharded = fit(RayShardedStrategy.builder(2).bucketCapMb(50.0 * 4 / (1 << 20)).build(),
                "sharded-" + kind, kind, sizes);
        ShardedStrategyTest.assertClose(ddp.weights(), sharded.weights(), 1e-5);
        ParameterOptimizer.State a = ddp.optimizer().orElseThrow();
        ParameterOptimizer.State b = sharded.optimizer().orElseThrow();
        assertArrayEquals(a.updates(), b.updates());
        long ddpState = 0;
        for (int i = 0; i < a.buffers().size(); i++) {
            assertArrayEquals(a.buffers().get(i), b.buffers().get(i), 1e-6f, "optimizer buffer " + i);
            ddpState += a.buffers().get(i).length;
        }
        double[] r = sizes.received.get(0);
        assertTrue(r[0] <= ddpState * (0.5 + 0.05), "largest worker holds " + r[0] + " of " + ddpState);
        assertEquals(ddpState, r[1], "the workers' states cover every element exactly once");
    }

    @Test
    void threeShardedWorkersLandOnThreeDdpWorkersAndTheCheckpointLoadsInOneProcess() {
        Checkpoint ddp = fit(RayDdpStrategy.builder(3).resourcesPerWorker(halfCpu()).build(), "ddp");
        Checkpoint sharded = fit(RayShardedStrategy.builder(3).resourcesPerWorker(halfCpu())
                .bucketCapMb(50.0 * 4 / (1 << 20)).build(), "sharded");
        ShardedStrategyTest.assertClose(ddp.weights(), sharded.weights(), 1e-5);
        ParameterOptimizer.State a = ddp.optimizer().orElseThrow();
        ParameterOptimizer.State b = sharded.optimizer().orElseThrow();
        assertArrayEquals(a.updates(), b.updates());
        for (int i = 0; i < a.buffers().size(); i++) {
            assertArrayEquals(a.buffers().get(i), b.buffers().get(i), 1e-6f, "optimizer buffer " + i);
        }
        try (ShardedStrategyTest.Model loaded = LightningModule.loadFromCheckpoint(root.resolve("sharded.ckpt"),
                h -> new ShardedStrategyTest.Model("adamw-schedule"))) {
            ShardedStrategyTest.assertClose(sharded.weights(), loaded.stateDict(), 0);
        }
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }

    @Test
    void bestCheckpointComesBackAndAFailingRankIsNamed() {
        ModelCheckpoint best = ModelCheckpoint.builder().dirpath(root.resolve("best")).monitor("val_loss").build();
        Trainer t = Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).seed(3).maxEpochs(2)
                .callbacks(best).strategy(new RayShardedStrategy(2, 1, false)).build();
        try (dev.raylightning.core.testing.TinyClassifier m = new dev.raylightning.core.testing.TinyClassifier(16, 0.01,
                "adam")) {
            t.fit(m, RayDdpStrategyTest.data(16));
            assertTrue(Files.isRegularFile(Path.of(best.bestModelPath())), best.bestModelPath());
            assertTrue(CheckpointIO.read(Path.of(best.bestModelPath())).optimizer().isPresent());
            assertTrue(t.test(m, RayDdpStrategyTest.data(16)).get(0).get("test_acc") > 0.8);
        }
        Trainer failing = Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).maxEpochs(1)
                .enableCheckpointing(false).strategy(new RayShardedStrategy(2, 1, false)).build();
        try (RayDdpStrategyTest.FailsOnRankOne m = new RayDdpStrategyTest.FailsOnRankOne()) {
            RayWorkerException e = assertThrows(RayWorkerException.class,
                    () -> failing.fit(m, RayDdpStrategyTest.data(16)));
            assertEquals(1, e.rank(), e.getMessage());
        }
        RayTestSupport.assertNoLeftovers();
    }

    @Test
    void aKilledShardedWorkerIsNamedEverythingIsReleasedAndTheNextFitWorks() {
        Trainer t = Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).maxEpochs(2)
                .enableCheckpointing(false).strategy(new RayShardedStrategy(2, 1, false)).build();
        try (RayDdpStrategyTest.DiesOnRankOne m = new RayDdpStrategyTest.DiesOnRankOne()) {
            RayWorkerException e = assertThrows(RayWorkerException.class, () -> t.fit(m, RayDdpStrategyTest.data(16)));
            assertEquals(1, e.rank(), e.getMessage());
            assertTrue(e.getMessage().contains("died"), e.getMessage());
        }
        RayTestSupport.assertNoLeftovers();
        Trainer next = Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).maxEpochs(1)
                .enableCheckpointing(false).strategy(new RayShardedStrategy(2, 1, false)).build();
        try (dev.raylightning.core.testing.TinyClassifier m = new dev.raylightning.core.testing.TinyClassifier()) {
            next.fit(m, RayDdpStrategyTest.data(16));
            assertEquals(TrainerStatus.FINISHED, next.status());
        }
    }

    @Test
    void everyWorkerWritesItsShardOfTheOptimizerStateAndOneProcessResumesFromThem() {
        Checkpoint files = fit(RayShardedStrategy.builder(2).resourcesPerWorker(halfCpu()).shardedCheckpoints(true)
                .build(), "files");
        Path main = root.resolve("files.ckpt");
        assertTrue(files.optimizer().isEmpty());
        ParameterOptimizer.State fromShards = dev.raylightning.core.checkpoint.OptimizerShards.read(main, files)
                .orElseThrow();
        Path again = root.resolve("again.ckpt");
        try (ShardedStrategyTest.Model m = new ShardedStrategyTest.Model("adamw-schedule")) {
            Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).enableCheckpointing(false)
                    .maxEpochs(2).callbacks(new ShardedStrategyTest.SaveAtEnd(again)).build()
                    .fit(m, ShardedStrategyTest.data(20), main);
        }
        ParameterOptimizer.State resumed = CheckpointIO.read(again).optimizer().orElseThrow();
        assertArrayEquals(fromShards.updates(), resumed.updates());
        for (int i = 0; i < fromShards.buffers().size(); i++) {
            assertArrayEquals(fromShards.buffers().get(i), resumed.buffers().get(i), "buffer " + i);
        }
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }
}
