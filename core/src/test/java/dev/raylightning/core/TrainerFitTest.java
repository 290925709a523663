package dev.raylightning.core;

import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.core.callbacks.TrainerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TrainerFitTest {

    @TempDir
    Path root;

    @Test
    void fitTrainsAndExposesState() {
        var data = Fixtures.blobs(512, 128, 32);
        Trainer trainer = Fixtures.quietTrainer(root).maxEpochs(3).build();
        try (TinyClassifier model = new TinyClassifier()) {
            trainer.fit(model, data);
            assertEquals(TrainerStatus.FINISHED, trainer.status());
            assertEquals(3, trainer.currentEpoch());
            assertEquals(3 * 16, trainer.globalStep());
            Map<String, Double> cm = trainer.callbackMetrics();
            assertTrue(cm.get("val_acc") > 0.9, "val_acc " + cm);
            assertTrue(cm.containsKey("train_loss"));
            assertTrue(trainer.progressBarMetrics().containsKey("val_loss"));
            assertTrue(trainer.loggedMetrics().containsKey("val_acc"));
            ModelCheckpoint ckpt = trainer.checkpointCallback().orElseThrow();
            assertTrue(Files.isRegularFile(Path.of(ckpt.bestModelPath())), ckpt.bestModelPath());
            assertTrue(ckpt.bestModelPath().endsWith("epoch=2-step=48.ckpt"), ckpt.bestModelPath());
            // the default CSV logger wrote the layout Lightning writes
            Path logDir = root.resolve("lightning_logs").resolve("version_0");
            assertTrue(Files.isRegularFile(logDir.resolve("metrics.csv")));
            assertTrue(Files.isRegularFile(logDir.resolve("hparams.yaml")));
        }
    }

    @Test
    void fitTwiceThenTestAndPredictOnTheSameTrainerAndModule() {
        var data = Fixtures.blobs(256, 64, 32);
        Trainer trainer = Fixtures.quietTrainer(root).maxEpochs(1).logger(false).enableCheckpointing(false).build();
        try (TinyClassifier model = new TinyClassifier()) {
            trainer.fit(model, data);
            ModelState afterFirst = model.stateDict();
            double lossAfterFirst = trainer.callbackMetrics().get("val_loss");
            trainer.fit(model, data);
            assertEquals(TrainerStatus.FINISHED, trainer.status());
            assertNotEquals(afterFirst.arrays().get(0).values()[0], model.stateDict().arrays().get(0).values()[0],
                    "second fit continues training the same weights");
            assertTrue(trainer.callbackMetrics().get("val_loss") < lossAfterFirst, "second fit improves on the first");

            List<Map<String, Double>> results = trainer.test(model, data);
            assertEquals(1, results.size());
            assertTrue(results.get(0).get("test_acc") > 0.85, results.toString());
            assertEquals(TrainerFn.TESTING, trainer.state().fn().orElseThrow());

            List<Prediction> predictions = trainer.predict(model, data);
            assertEquals(2, predictions.size());
            for (int i = 0; i < predictions.size(); i++) {
                assertEquals(i, predictions.get(i).batchIdx());
                assertArrayEquals(new long[] {32, 4}, predictions.get(i).output().shape());
            }
            List<Map<String, Double>> val = trainer.validate(model, data);
            assertTrue(val.get(0).containsKey("val_loss"));
        }
    }

    /** Records what its trainer() showed when the train loader was asked for. */
    static final class SeesTrainer extends LightningDataModule {
        private static final long serialVersionUID = 1L;
        private final LightningDataModule data = Fixtures.blobs(32, 16, 8);
        Integer rankSeen;

        @Override
        public dev.raylightning.core.data.DataLoader trainDataloader() {
            rankSeen = trainer().orElseThrow().strategy().globalRank();
            return data.trainDataloader();
        }
    }

    @Test
    void theDataModuleSeesItsTrainerWhileACallRuns() {
        Trainer trainer = Fixtures.quietTrainer(root).maxEpochs(1).logger(false).enableCheckpointing(false).build();
        SeesTrainer data = new SeesTrainer();
        assertTrue(data.trainer().isEmpty());
        try (TinyClassifier m = new TinyClassifier()) {
            trainer.fit(m, data);
        }
        assertEquals(0, data.rankSeen);
        assertTrue(data.trainer().isEmpty(), "detached when the call ends");
    }

    @Test
    void seededRunsAreIdentical() {
        var data = Fixtures.blobs(256, 64, 32);
        float[] first;
        float[] second;
        try (TinyClassifier a = new TinyClassifier()) {
            Fixtures.quietTrainer(root).maxEpochs(2).logger(false).enableCheckpointing(false).build().fit(a, data);
            first = a.stateDict().arrays().get(0).values();
        }
        try (TinyClassifier b = new TinyClassifier()) {
            Fixtures.quietTrainer(root).maxEpochs(2).logger(false).enableCheckpointing(false).build().fit(b, data);
            second = b.stateDict().arrays().get(0).values();
        }
        assertArrayEquals(first, second);
    }

    @Test
    void maxStepsLimitsAndGradientAccumulationCountsOptimizerSteps() {
        var data = Fixtures.blobs(256, 64, 32);
        Trainer t = Fixtures.quietTrainer(root).maxSteps(5).logger(false).enableCheckpointing(false).build();
        try (TinyClassifier m = new TinyClassifier()) {
            t.fit(m, data);
            assertEquals(5, t.globalStep());
            assertEquals(1, t.currentEpoch(), "an epoch cut short by maxSteps counts as completed, as in Lightning");
        }
        Trainer acc = Fixtures.quietTrainer(root).maxEpochs(1).accumulateGradBatches(4).logger(false)
                .enableCheckpointing(false).build();
        try (TinyClassifier m = new TinyClassifier()) {
            acc.fit(m, data);
            assertEquals(2, acc.globalStep(), "8 batches with accumulation 4 are 2 optimizer steps");
        }
    }

    @Test
    void limitsAndValCheckIntervalAreHonoured() {
        var data = Fixtures.blobs(320, 64, 32);
        var counter = new CountingCallback();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(1).limitTrainBatches(0.5).valCheckInterval(2)
                .limitValBatches(1).numSanityValSteps(1).logger(false).enableCheckpointing(false)
                .callbacks(counter).build();
        try (TinyClassifier m = new TinyClassifier()) {
            t.fit(m, data);
        }
        assertEquals(5, t.numTrainingBatches());
        assertEquals(5, counter.trainBatches);
        // after batches 2 and 4, and at the end of the epoch (batch 5)
        assertEquals(3, counter.validations);
        assertEquals(3 + 1, counter.valBatches, "one batch per validation plus one sanity batch");
        assertEquals(1, counter.sanity);
    }

    @Test
    void gradientClippingBoundsTheUpdate() {
        var data = Fixtures.blobs(64, 32, 64);
        ModelState before;
        ModelState after;
        try (TinyClassifier m = new TinyClassifier(16, 1.0, "sgd")) {
            Trainer t = Fixtures.quietTrainer(root).maxSteps(1).gradientClipVal(1e-3).logger(false)
                    .enableCheckpointing(false).numSanityValSteps(0).build();
            m.block();
            before = m.stateDict();
            t.fit(m, data);
            after = m.stateDict();
        }
        double sq = 0;
        for (int i = 0; i < before.arrays().size(); i++) {
            float[] a = before.arrays().get(i).values();
            float[] b = after.arrays().get(i).values();
            for (int k = 0; k < a.length; k++) {
                sq += (a[k] - b[k]) * (double) (a[k] - b[k]);
            }
        }
        // one SGD step at lr 1 moves weights by exactly the clipped gradient norm
        assertEquals(1e-3, Math.sqrt(sq), 1e-5);
    }

    @Test
    void interruptingTheThreadStopsGracefully() {
        var data = Fixtures.blobs(256, 64, 32);
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(5).logger(false).enableCheckpointing(false)
                .callbacks(new dev.raylightning.core.callbacks.Callback() {
                    @Override
                    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss,
                            dev.raylightning.core.data.Batch batch, int batchIdx) {
                        if (trainer.globalStep() == 3) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }).build();
        try (TinyClassifier m = new TinyClassifier()) {
            t.fit(m, data);
            assertTrue(Thread.interrupted(), "the interrupt flag is kept for the caller");
            assertEquals(TrainerStatus.INTERRUPTED, t.status());
            assertEquals(3, t.globalStep());
        }
    }

    static final class CountingCallback implements dev.raylightning.core.callbacks.Callback {
        int trainBatches;
        int validations;
        int valBatches;
        int sanity;

        @Override
        public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss,
                dev.raylightning.core.data.Batch batch, int batchIdx) {
            trainBatches++;
        }

        @Override
        public void onValidationEnd(TrainerView trainer, LightningModule module) {
            if (!trainer.sanityChecking()) {
                validations++;
            }
        }

        @Override
        public void onValidationBatchEnd(TrainerView trainer, LightningModule module, dev.raylightning.core.data.Batch batch,
                int batchIdx) {
            valBatches++;
        }

        @Override
        public void onSanityCheckEnd(TrainerView trainer, LightningModule module) {
            sanity++;
        }
    }
}
