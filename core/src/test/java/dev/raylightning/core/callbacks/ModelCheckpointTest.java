package dev.raylightning.core.callbacks;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ModelCheckpointTest {

    @TempDir
    Path root;

    /** Logs a scripted "score" per validation run so the best epochs are known in advance. */
    static final class ScriptedScore extends TinyClassifier {
        private static final long serialVersionUID = 1L;
        private final double[] scores;

        ScriptedScore(double... scores) {
            this.scores = scores;
        }

        @Override
        public void validationStep(Batch batch, int batchIdx) {
            super.validationStep(batch, batchIdx);
            int epoch = trainer().orElseThrow().currentEpoch();
            log("score", trainer().orElseThrow().sanityChecking() ? 0 : scores[epoch]);
        }
    }

    private static Set<String> ckptFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void keepsExactlyTheTopKByTheMonitoredMetricPlusLast() throws IOException {
        Path dir = root.resolve("ckpts");
        ModelCheckpoint cb = ModelCheckpoint.builder().dirpath(dir).monitor("score").mode(MonitorMode.MIN)
                .saveTopK(2).saveLast(true).filename("{epoch}-{score:.2f}").build();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(5).logger(false).callbacks(cb).build();
        try (var m = new ScriptedScore(0.9, 0.3, 0.7, 0.2, 0.8)) {
            t.fit(m, Fixtures.blobs(128, 64, 32));
        }
        assertEquals(Set.of("epoch=1-score=0.30.ckpt", "epoch=3-score=0.20.ckpt", "last.ckpt"), ckptFiles(dir));
        assertEquals(dir.resolve("epoch=3-score=0.20.ckpt").toString(), cb.bestModelPath());
        assertEquals(0.2, cb.bestModelScore().orElseThrow(), 1e-9);
        assertEquals(2, cb.bestKModels().size());
        assertEquals(dir.resolve("last.ckpt").toString(), cb.lastModelPath());
    }

    @Test
    void maxModeAndAllCheckpoints() throws IOException {
        Path dir = root.resolve("all");
        ModelCheckpoint cb = ModelCheckpoint.builder().dirpath(dir).monitor("score").mode(MonitorMode.MAX)
                .saveTopK(-1).build();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(3).logger(false).callbacks(cb).build();
        try (var m = new ScriptedScore(0.1, 0.5, 0.3)) {
            t.fit(m, Fixtures.blobs(128, 64, 32));
        }
        assertEquals(3, ckptFiles(dir).size());
        assertTrue(cb.bestModelPath().contains("epoch=1-step="), cb.bestModelPath());
    }

    @Test
    void bestCheckpointLoadsIntoAModuleWithTheSameWeights() {
        Path dir = root.resolve("best");
        ModelCheckpoint cb = ModelCheckpoint.builder().dirpath(dir).monitor("score").saveTopK(1).build();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(3).logger(false).callbacks(cb)
                .callbacks(List.of(cb, new WeightsAtBest())).build();
        try (var m = new ScriptedScore(0.5, 0.1, 0.9)) {
            t.fit(m, Fixtures.blobs(128, 64, 32));
        }
        WeightsAtBest probe = (WeightsAtBest) t.callbacks().get(1);
        try (TinyClassifier loaded = LightningModule.loadFromCheckpoint(Path.of(cb.bestModelPath()), TinyClassifier::fromHparams)) {
            assertArrayEquals(probe.atEpoch1, loaded.stateDict().arrays().get(0).values());
            assertEquals(Map.of("hidden", 16.0, "lr", 0.05, "optimizer", "sgd"), Map.copyOf(loaded.hparams())
                    .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                            e -> e.getValue() instanceof Number n ? (Object) n.doubleValue() : e.getValue())));
        }
    }

    static final class WeightsAtBest implements Callback {
        float[] atEpoch1;

        @Override
        public void onValidationEnd(TrainerView trainer, LightningModule module) {
            if (!trainer.sanityChecking() && trainer.currentEpoch() == 1) {
                atEpoch1 = module.stateDict().arrays().get(0).values();
            }
        }
    }

    @Test
    void missingMonitorFailsNamingTheAvailableMetrics() {
        ModelCheckpoint cb = ModelCheckpoint.builder().dirpath(root).monitor("nope").build();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(1).logger(false).callbacks(cb).build();
        try (var m = new TinyClassifier()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(m, Fixtures.blobs(64, 32, 32)));
            assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("val_loss"), e.getMessage());
        }
    }

    @Test
    void filenameTemplateFormatsMetrics() {
        ModelCheckpoint cb = ModelCheckpoint.builder().filename("{epoch}-{val_loss:.3f}-{missing}").build();
        assertEquals("epoch=4-val_loss=0.123-missing=nan", cb.format(Map.of("epoch", 4.0, "val_loss", 0.12345)));
        ModelCheckpoint slash = ModelCheckpoint.builder().filename("{epoch}-{ptl/val_acc:.2f}").build();
        assertEquals("epoch=1-ptl_val_acc=0.90", slash.format(Map.of("epoch", 1.0, "ptl/val_acc", 0.9)));
    }

    @Test
    void badArgumentsNameTheArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.builder().saveTopK(-2))
                .getMessage().contains("saveTopK"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.builder().everyNEpochs(0))
                .getMessage().contains("everyNEpochs"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.builder().saveTopK(3).build())
                .getMessage().contains("saveTopK"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ModelCheckpoint.builder().filename(" "))
                .getMessage().contains("filename"));
    }
}
