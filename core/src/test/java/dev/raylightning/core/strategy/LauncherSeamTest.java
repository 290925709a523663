package dev.raylightning.core.strategy;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.testing.Blobs;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.core.callbacks.TrainerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Proves the seams distributed strategies plug into, with ranks as threads: the launcher path
 * of the trainer, shipping (serialization), distributed samplers, the gradient sync point,
 * metric reduction and restoring rank zero's result on the driver.
 */
class LauncherSeamTest {

    @TempDir
    Path root;

    private static LightningDataModule data(int batch) {
        DataLoader train = DataLoader.builder(Blobs.dataset(256, 1)).batchSize(batch).shuffle(true).seed(9).build();
        DataLoader val = DataLoader.builder(Blobs.dataset(64, 2)).batchSize(batch).build();
        return LightningDataModule.of(train, val);
    }

    private Trainer.Builder trainer() {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).seed(3).maxEpochs(2);
    }

    /** Sends one message per epoch from every rank; the driver's copy records what reaches it. */
    static final class Messenger implements Callback {
        private static final long serialVersionUID = 1L;
        final List<String> received = new ArrayList<>();

        @Override
        public void onTrainEpochEnd(TrainerView trainer, LightningModule module) {
            trainer.sendToDriver(stateKey(), "epoch " + trainer.currentEpoch() + " from rank " + trainer.strategy().globalRank());
        }

        @Override
        public void onDriverMessage(TrainerView trainer, java.io.Serializable payload) {
            received.add((String) payload);
        }
    }

    @Test
    void callbackMessagesReachTheDriverFromRankZeroOnlyAndInOrder() {
        Messenger remote = new Messenger();
        try (TinyClassifier m = new TinyClassifier()) {
            trainer().maxEpochs(3).enableCheckpointing(false).callbacks(remote).strategy(new ThreadDdpStrategy(2)).build()
                    .fit(m, data(16));
        }
        assertEquals(List.of("epoch 0 from rank 0", "epoch 1 from rank 0", "epoch 2 from rank 0"), remote.received);

        Messenger local = new Messenger();
        try (TinyClassifier m = new TinyClassifier()) {
            trainer().maxEpochs(2).enableCheckpointing(false).callbacks(local).build().fit(m, data(16));
        }
        assertEquals(List.of("epoch 0 from rank 0", "epoch 1 from rank 0"), local.received, "a local run delivers at once");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void twoRanksWithBatchBEqualOneRankWithBatchTwoB(String optimizer) {
        double lr = optimizer.equals("adam") ? 0.01 : 0.1;
        ModelState single;
        try (TinyClassifier m = new TinyClassifier(16, lr, optimizer)) {
            trainer().enableCheckpointing(false).build().fit(m, data(32));
            single = m.stateDict();
        }
        ModelState ddp;
        Trainer t = trainer().enableCheckpointing(false).strategy(new ThreadDdpStrategy(2)).build();
        try (TinyClassifier m = new TinyClassifier(16, lr, optimizer)) {
            t.fit(m, data(16));
            ddp = m.stateDict();
        }
        assertEquals(TrainerStatus.FINISHED, t.status());
        assertEquals(2, t.currentEpoch());
        assertEquals(16, t.globalStep(), "each rank sees 128 samples per epoch in batches of 16");
        dev.raylightning.core.ResumeTestAccess.assertWeightsClose(single.arrays(), ddp.arrays(), 1e-5);
    }

    @Test
    void everyRanksReportReachesTheDriversStrategyByRank() {
        ThreadDdpStrategy.REPORTS.clear();
        Trainer t = trainer().enableCheckpointing(false).strategy(new ThreadDdpStrategy(2)).build();
        try (TinyClassifier m = new TinyClassifier()) {
            t.fit(m, data(16));
        }
        assertEquals(16, t.globalStep());
        assertEquals(List.of(List.of("rank 0 reduced 16 times", "rank 1 reduced 16 times")),
                List.copyOf(ThreadDdpStrategy.REPORTS), "one call per launch, reports in rank order");
    }

    static final class RankMetrics implements Callback {
        final List<Map<String, Double>> seen = new ArrayList<>();

        @Override
        public void onFitEnd(TrainerView trainer, LightningModule module) {
            seen.add(Map.copyOf(trainer.callbackMetrics()));
        }

        @Override
        public Map<String, Object> stateDict() {
            return Map.of("fitEnds", seen.size());
        }

        @Override
        public void loadStateDict(Map<String, Object> state) {
            seen.add(Map.of("restoredFitEnds", ((Number) state.get("fitEnds")).doubleValue()));
        }
    }

    @Test
    void driverAdoptsRankZerosWeightsMetricsAndCallbackState() {
        Path ckptDir = root.resolve("ckpts");
        ModelCheckpoint ckpt = ModelCheckpoint.builder().dirpath(ckptDir).monitor("val_loss").build();
        RankMetrics probe = new RankMetrics();
        Trainer t = trainer().strategy(new ThreadDdpStrategy(2)).callbacks(ckpt, probe).build();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            ModelState before = m.stateDict();
            t.fit(m, data(16));
            assertNotEquals(before.arrays().get(0).values()[0], m.stateDict().arrays().get(0).values()[0],
                    "the driver's module holds the trained weights");
            // the driver's callback got rank zero's state back
            assertEquals(List.of(Map.of("restoredFitEnds", 1.0)), probe.seen);
            assertFalse(ckpt.bestModelPath().isEmpty());
            assertTrue(Files.isRegularFile(Path.of(ckpt.bestModelPath())), "only rank zero wrote, and the file is there");
            assertTrue(t.callbackMetrics().containsKey("val_loss"));
            // test runs through the workers too, with metrics averaged across ranks
            var results = t.test(m, LightningDataModule.of(null, null,
                    DataLoader.builder(Blobs.dataset(64, 5)).batchSize(16).build(), null));
            assertTrue(results.get(0).get("test_acc") > 0.8, results.toString());
        }
    }

    /** Rank 1 alone asks to stop after epoch 1; at fit end each rank's step goes through min and max. */
    static final class StopOnRankOne implements Callback {
        private static final long serialVersionUID = 1L;
        final List<double[]> stepsAtEnd = new ArrayList<>();

        @Override
        public void onTrainEpochEnd(TrainerView trainer, LightningModule module) {
            if (trainer.strategy().globalRank() == 1 && trainer.currentEpoch() == 1) {
                trainer.requestStop("rank one has seen enough");
            }
        }

        @Override
        public void onFitEnd(TrainerView trainer, LightningModule module) {
            double step = trainer.globalStep();
            double[] range = {trainer.strategy().reduce(new double[] {step}, ReduceOp.MIN)[0],
                    trainer.strategy().reduce(new double[] {step}, ReduceOp.MAX)[0]};
            trainer.sendToDriver(stateKey(), range);
        }

        @Override
        public void onDriverMessage(TrainerView trainer, java.io.Serializable payload) {
            stepsAtEnd.add((double[]) payload);
        }
    }

    @Test
    void aStopRequestedOnOneRankStopsEveryRankAfterTheSameEpoch() {
        StopOnRankOne stop = new StopOnRankOne();
        Trainer t = trainer().maxEpochs(5).enableCheckpointing(false).callbacks(stop).strategy(new ThreadDdpStrategy(2))
                .build();
        try (TinyClassifier m = new TinyClassifier()) {
            t.fit(m, data(16));
        }
        assertEquals(TrainerStatus.FINISHED, t.status());
        assertEquals(2, t.currentEpoch());
        assertEquals(16, t.globalStep());
        assertArrayEquals(new double[] {16, 16}, stop.stepsAtEnd.get(0), "both ranks stopped at the same step");
        assertEquals(java.util.Optional.of("rank one has seen enough"), t.state().stopReason());
        assertTrue(t.shouldStop());
    }

    @Test
    void checkpointsAreSavedOnEveryRankAndWrittenOnce() throws java.io.IOException {
        ThreadDdpStrategy.SAVES.clear();
        Path dir = root.resolve("every-rank");
        ModelCheckpoint ckpt = ModelCheckpoint.builder().dirpath(dir).saveTopK(-1).build();
        Trainer t = trainer().maxEpochs(2).callbacks(ckpt).strategy(new ThreadDdpStrategy(2)).build();
        try (TinyClassifier m = new TinyClassifier()) {
            t.fit(m, data(16));
        }
        List<Integer> saves = new ArrayList<>(ThreadDdpStrategy.SAVES);
        assertEquals(2, saves.stream().filter(r -> r == 0).count(), "rank 0 saved after each epoch: " + saves);
        assertEquals(2, saves.stream().filter(r -> r == 1).count(), "rank 1 saved too: " + saves);
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "rank zero wrote one file per save");
        }
        assertEquals(2, ckpt.bestKModels().size());
    }

    @Test
    void anExceptionOnOneRankReachesTheDriver() {
        Trainer t = trainer().enableCheckpointing(false).strategy(new ThreadDdpStrategy(2)).build();
        try (TinyClassifier m = new FailingOnRankOne()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(m, data(16)));
            assertEquals("boom on rank 1", e.getMessage());
            assertEquals(TrainerStatus.INTERRUPTED, t.status());
        }
    }

    static final class FailingOnRankOne extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        @Override
        public ai.djl.ndarray.NDArray trainingStep(dev.raylightning.core.data.Batch batch, int batchIdx) {
            if (trainer().orElseThrow().strategy().globalRank() == 1 && batchIdx == 2) {
                throw new IllegalStateException("boom on rank 1");
            }
            return super.trainingStep(batch, batchIdx);
        }
    }
}
