package dev.raylightning.strategies;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerConfig;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.CheckpointIO;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.optim.LrScheduler;
import dev.raylightning.core.optim.OptimizerConfig;
import dev.raylightning.core.optim.ParameterOptimizer;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.core.testing.Blobs;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.launcher.WorkerStrategyFactory;
import dev.raylightning.strategies.sharded.ShardedWorkerStrategy;
import dev.raylightning.strategies.testing.ThreadRanksStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sharded gradient policy with ranks as threads on a real TCP ring: the same weights as
 * data-parallel training, 1/N of the optimizer state per rank, consolidated checkpoints equal to
 * DDP's, resumes at another world size. The Ray tests repeat the essentials across processes.
 */
class ShardedStrategyTest {

    /** Small buckets, so parameters are split across buckets and ranks. */
    private static final double BUCKET_MB = 50.0 * 4 / (1 << 20);

    @TempDir
    Path root;

    /** TinyClassifier with every optimizer the project has, a schedule, and clipping set by the trainer. */
    static final class Model extends TinyClassifier {
        private static final long serialVersionUID = 1L;
        private final String kind;

        Model(String kind) {
            super(16, 0.05, "sgd");
            this.kind = kind;
        }

        @Override
        public OptimizerConfig configureOptimizers() {
            return switch (kind) {
                case "sgd-momentum" -> OptimizerConfig.sgd(0.05).momentum(0.9).weightDecay(1e-3);
                case "adam" -> OptimizerConfig.adam(0.01);
                case "adamw-schedule" -> OptimizerConfig.adamW(0.01).weightDecay(0.05).scheduler(LrScheduler.step(1, 0.5));
                default -> throw new IllegalArgumentException(kind);
            };
        }
    }

    static LightningDataModule data(int batch) {
        DataLoader train = DataLoader.builder(Blobs.dataset(240, 1)).batchSize(batch).shuffle(true).seed(9).build();
        return LightningDataModule.of(train, null);
    }

    private Trainer.Builder trainer(Strategy strategy, Callback... callbacks) {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false)
                .enableCheckpointing(false).seed(3).maxEpochs(2).strategy(strategy).callbacks(callbacks);
    }

    static WorkerStrategyFactory ddp() {
        return new RayDdpStrategy(1, 1, false).workerStrategyFactory();
    }

    static WorkerStrategyFactory sharded(int stage) {
        return RayShardedStrategy.builder(1).stage(stage).bucketCapMb(BUCKET_MB).build().workerStrategyFactory();
    }

    /** Saves a checkpoint on every rank at the end of the fit (the consolidated optimizer state is in it). */
    static final class SaveAtEnd implements Callback {
        private static final long serialVersionUID = 1L;
        private final String path;

        SaveAtEnd(Path path) {
            this.path = path.toString();
        }

        @Override
        public void onFitEnd(TrainerView trainer, LightningModule module) {
            trainer.saveCheckpoint(Path.of(path));
        }
    }

    private Checkpoint fit(String kind, int ranks, WorkerStrategyFactory policy, String name) {
        return fit(kind, ranks, policy, name, 0);
    }

    private Checkpoint fit(String kind, int ranks, WorkerStrategyFactory policy, String name, double clip) {
        return fit(kind, ranks, new ThreadRanksStrategy(ranks, policy), name, clip);
    }

    private Checkpoint fit(String kind, int ranks, ThreadRanksStrategy strategy, String name, double clip) {
        Path ckpt = root.resolve(name + ".ckpt");
        try (Model m = new Model(kind)) {
            Trainer t = trainer(strategy, new SaveAtEnd(ckpt)).gradientClipVal(clip)
                    .gradientClipAlgorithm(TrainerConfig.ClipAlgorithm.NORM).build();
            t.fit(m, data(240 / ranks / 4));
            assertEquals(TrainerStatus.FINISHED, t.status());
        }
        return CheckpointIO.read(ckpt);
    }

    @ParameterizedTest
    @CsvSource({"adam, 2", "adamw-schedule, 3"})
    void overSharedMemoryTheBucketsAreReducedAndGatheredWhereTheyLie(String kind, int ranks) {
        Checkpoint ddp = fit(kind, ranks, ddp(), "ddp", 0.5);
        long before = ThreadRanksStrategy.PARTS_TAKEN.get();
        Checkpoint sharded = fit(kind, ranks, new ThreadRanksStrategy(ranks, sharded(2)).withSharedMemory(), "sharded",
                0.5);
        long taken = ThreadRanksStrategy.PARTS_TAKEN.get() - before;
        // 8 steps; on every rank each bucket is reduce-scattered and all-gathered in place
        assertTrue(taken > 0 && taken % (2L * ranks * 8) == 0, taken + " calls taken");
        assertClose(ddp.weights(), sharded.weights(), 1e-5);
        ParameterOptimizer.State a = ddp.optimizer().orElseThrow();
        ParameterOptimizer.State b = sharded.optimizer().orElseThrow();
        for (int i = 0; i < a.buffers().size(); i++) {
            assertArrayEquals(a.buffers().get(i), b.buffers().get(i), 1e-6f, "optimizer buffer " + i);
        }
    }

    @ParameterizedTest
    @CsvSource({"sgd-momentum, 2, 2, 0", "adam, 2, 2, 0", "adamw-schedule, 2, 2, 0.5", "sgd-momentum, 3, 2, 0.5",
            "adam, 3, 1, 0", "adamw-schedule, 3, 2, 0", "sgd-momentum, 3, 1, 0"})
    void shardedLandsOnDataParallelWeightsAndItsConsolidatedCheckpointEqualsDdps(String kind, int ranks, int stage,
            double clip) {
        Checkpoint ddp = fit(kind, ranks, ddp(), "ddp", clip);
        Checkpoint sharded = fit(kind, ranks, sharded(stage), "sharded", clip);
        assertClose(ddp.weights(), sharded.weights(), 1e-5);
        ParameterOptimizer.State a = ddp.optimizer().orElseThrow();
        ParameterOptimizer.State b = sharded.optimizer().orElseThrow();
        assertEquals(a.kind(), b.kind());
        assertArrayEquals(a.updates(), b.updates());
        assertArrayEquals(a.buffersPerParameter(), b.buffersPerParameter());
        assertEquals(a.learningRate(), b.learningRate(), 1e-12);
        assertEquals(a.buffers().size(), b.buffers().size());
        for (int i = 0; i < a.buffers().size(); i++) {
            assertArrayEquals(a.buffers().get(i), b.buffers().get(i), 1e-6f, "optimizer buffer " + i);
        }
    }

    /** At fit end: the largest and the summed state of the ranks, sent by rank zero. */
    static final class StateSizes implements Callback {
        private static final long serialVersionUID = 1L;
        final List<double[]> received = new ArrayList<>();

        @Override
        public void onFitEnd(TrainerView trainer, LightningModule module) {
            double mine = ((ShardedWorkerStrategy) trainer.strategy()).optimizerStateElements();
            double max = trainer.strategy().reduce(new double[] {mine}, ReduceOp.MAX)[0];
            double sum = trainer.strategy().reduce(new double[] {mine}, ReduceOp.SUM)[0];
            trainer.sendToDriver(stateKey(), new double[] {max, sum});
        }

        @Override
        public void onDriverMessage(TrainerView trainer, java.io.Serializable payload) {
            received.add((double[]) payload);
        }
    }

    @ParameterizedTest
    @CsvSource({"2", "3"})
    void eachRankHoldsAtMostItsShareOfTheOptimizerState(int ranks) {
        StateSizes sizes = new StateSizes();
        try (Model m = new Model("adam")) {
            long elements = m.parameters().elementCount();
            trainer(new ThreadRanksStrategy(ranks, sharded(2)), sizes).build().fit(m, data(20));
            double[] r = sizes.received.get(0);
            double ddpState = 2.0 * elements; // Adam: two moments per element
            assertTrue(r[0] <= ddpState * (1.0 / ranks + 0.05), "largest rank holds " + r[0] + " of " + ddpState);
            assertEquals(ddpState, r[1], "the ranks' states cover every parameter element exactly once");
        }
    }

    @Test
    void aShardedCheckpointResumesAtAnotherWorldSizeAndInOneProcessWithTheSameOptimizerState() {
        Checkpoint two = fit("adam", 2, sharded(2), "two");
        Path from = root.resolve("two.ckpt");
        for (int ranks : new int[] {3, 1}) {
            Path again = root.resolve("again-" + ranks + ".ckpt");
            Strategy s = ranks == 1 ? new dev.raylightning.core.strategy.SingleDeviceStrategy()
                    : new ThreadRanksStrategy(ranks, sharded(2));
            try (Model m = new Model("adam")) {
                // maxEpochs equal to the checkpoint's: the fit restores, trains nothing, saves
                trainer(s, new SaveAtEnd(again)).build().fit(m, data(20), from);
            }
            Checkpoint back = CheckpointIO.read(again);
            assertClose(two.weights(), back.weights(), 0);
            ParameterOptimizer.State a = two.optimizer().orElseThrow();
            ParameterOptimizer.State b = back.optimizer().orElseThrow();
            assertArrayEquals(a.updates(), b.updates(), ranks + " ranks");
            for (int i = 0; i < a.buffers().size(); i++) {
                assertArrayEquals(a.buffers().get(i), b.buffers().get(i), ranks + " ranks, buffer " + i);
            }
        }
    }

    static void assertClose(ModelState expected, ModelState actual, double rel) {
        RayDdpStrategyTest.assertWeightsClose(expected.arrays(), actual.arrays(), rel);
    }

    static WorkerStrategyFactory shardedFiles() {
        return RayShardedStrategy.builder(1).bucketCapMb(BUCKET_MB).shardedCheckpoints(true).build()
                .workerStrategyFactory();
    }

    /** Resumes from {@code from} without training (maxEpochs is the checkpoint's) and saves again. */
    private Checkpoint resumeAndSave(Path from, Strategy s, String name) {
        Path again = root.resolve(name + ".ckpt");
        try (Model m = new Model("adam")) {
            trainer(s, new SaveAtEnd(again)).build().fit(m, data(20), from);
        }
        Checkpoint c = CheckpointIO.read(again);
        return c.optimizer().isPresent() ? c : withState(c, again);
    }

    private static Checkpoint withState(Checkpoint c, Path path) {
        return new Checkpoint(c.moduleClass(), c.loop(), c.weights(),
                dev.raylightning.core.checkpoint.OptimizerShards.read(path, c).orElseThrow(), c.hyperParameters(),
                c.callbackStates(), c.extra());
    }

    private static void assertSameState(Checkpoint a, Checkpoint b, String what) {
        assertClose(a.weights(), b.weights(), 0);
        ParameterOptimizer.State x = a.optimizer().orElseThrow();
        ParameterOptimizer.State y = b.optimizer().orElseThrow();
        assertArrayEquals(x.updates(), y.updates(), what);
        assertArrayEquals(x.buffersPerParameter(), y.buffersPerParameter(), what);
        assertEquals(x.buffers().size(), y.buffers().size(), what);
        for (int i = 0; i < x.buffers().size(); i++) {
            assertArrayEquals(x.buffers().get(i), y.buffers().get(i), what + ", buffer " + i);
        }
    }

    @Test
    void shardedCheckpointFilesHoldEachRanksPartAndResumeAnywhereWithTheConsolidatedState() throws Exception {
        Checkpoint consolidated = fit("adam", 2, sharded(2), "consolidated");
        Checkpoint filesOnly = fit("adam", 2, shardedFiles(), "files");
        Path main = root.resolve("files.ckpt");
        assertTrue(filesOnly.optimizer().isEmpty(), "the checkpoint itself holds no optimizer state");
        assertTrue(dev.raylightning.core.checkpoint.OptimizerShards.isSharded(filesOnly));
        long elements;
        try (Model m = new Model("adam")) {
            elements = m.parameters().elementCount();
        }
        for (int r = 0; r < 2; r++) {
            Path shard = dev.raylightning.core.checkpoint.OptimizerShards.shardPath(main, r, 2);
            long held = CheckpointIO.read(shard).optimizer().orElseThrow().buffers().stream()
                    .mapToLong(b -> b.length).sum();
            assertTrue(held <= 2 * elements * (0.5 + 0.05), "shard " + r + " holds " + held);
        }
        assertSameState(consolidated, withState(filesOnly, main), "read back from the shard files");
        assertSameState(consolidated, resumeAndSave(main, new ThreadRanksStrategy(3, sharded(2)), "three"),
                "resumed by 3 ranks");
        assertSameState(consolidated, resumeAndSave(main, new dev.raylightning.core.strategy.SingleDeviceStrategy(),
                "one"), "resumed in one process");
        assertSameState(consolidated, resumeAndSave(main, new ThreadRanksStrategy(2, shardedFiles()), "round-trip"),
                "resumed and saved again as shard files");
    }

    @Test
    void aMissingOrForeignShardIsRefusedBeforeAnythingChanges() throws Exception {
        fit("adam", 2, shardedFiles(), "broken");
        Path main = root.resolve("broken.ckpt");
        Path shard = dev.raylightning.core.checkpoint.OptimizerShards.shardPath(main, 1, 2);
        java.nio.file.Files.delete(shard);
        try (Model m = new Model("adam")) {
            ModelState before = m.stateDict();
            Trainer t = trainer(new dev.raylightning.core.strategy.SingleDeviceStrategy()).maxEpochs(3).build();
            var e = assertThrows(dev.raylightning.core.checkpoint.CheckpointException.class,
                    () -> t.fit(m, data(20), main));
            assertTrue(e.getMessage().contains(shard.getFileName().toString()), e.getMessage());
            assertClose(before, m.stateDict(), 0);
        }
        Checkpoint c = CheckpointIO.read(main);
        java.util.Map<String, Object> extra = new java.util.LinkedHashMap<>(c.extra());
        extra.put(dev.raylightning.core.checkpoint.OptimizerShards.INDEX_KEY,
                java.util.Map.of("files", java.util.List.of("../elsewhere"), "parameterSizes", java.util.List.of(1)));
        Path forged = root.resolve("forged.ckpt");
        CheckpointIO.write(new Checkpoint(c.moduleClass(), c.loop(), c.weights(), null, c.hyperParameters(),
                c.callbackStates(), extra), forged);
        var e = assertThrows(dev.raylightning.core.checkpoint.CheckpointException.class,
                () -> dev.raylightning.core.checkpoint.OptimizerShards.read(forged, CheckpointIO.read(forged)));
        assertTrue(e.getMessage().contains("outside its directory"), e.getMessage());
    }

    @Test
    void modelCheckpointDeletesTheShardFilesOfACheckpointItReplaces() throws Exception {
        Path dir = root.resolve("kept");
        dev.raylightning.core.callbacks.ModelCheckpoint keepLatest = dev.raylightning.core.callbacks.ModelCheckpoint
                .builder().dirpath(dir).build();
        try (Model m = new Model("adam")) {
            trainer(new ThreadRanksStrategy(2, shardedFiles()), keepLatest).enableCheckpointing(true).maxEpochs(3)
                    .build().fit(m, data(20));
        }
        Path best = Path.of(keepLatest.bestModelPath());
        try (var files = java.nio.file.Files.list(dir)) {
            assertEquals(java.util.Set.of(best.getFileName().toString(), best.getFileName() + ".optim-0-of-2",
                    best.getFileName() + ".optim-1-of-2"), files.map(f -> f.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()), "only the latest checkpoint and its shards remain");
        }
    }
}
