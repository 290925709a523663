package dev.raylightning.core.callbacks;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class EarlyStoppingTest {

    @TempDir
    Path root;

    static final class ConstantMetric extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        @Override
        public void validationStep(Batch batch, int batchIdx) {
            log("constant", 1.0);
        }
    }

    static final class ValidationCounter implements Callback {
        int runs;

        @Override
        public void onValidationEnd(TrainerView trainer, LightningModule module) {
            if (!trainer.sanityChecking()) {
                runs++;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void constantMetricStopsAfterPatiencePlusOneValidations(int patience) {
        EarlyStopping es = EarlyStopping.builder("constant").patience(patience).build();
        ValidationCounter counter = new ValidationCounter();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(50).logger(false).enableCheckpointing(false)
                .callbacks(es, counter).build();
        try (var m = new ConstantMetric()) {
            t.fit(m, Fixtures.blobs(64, 32, 32));
        }
        // the first check always improves on the initial best, so patience 0 still needs two runs
        assertEquals(Math.max(2, patience + 1), counter.runs);
        assertEquals(counter.runs, t.currentEpoch());
        assertTrue(t.shouldStop());
        assertTrue(es.stopReason().orElseThrow().contains("did not improve"), es.stopReason().orElseThrow());
    }

    @Test
    void minEpochsDefersTheStop() {
        EarlyStopping es = EarlyStopping.builder("constant").patience(0).build();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(50).minEpochs(4).logger(false).enableCheckpointing(false)
                .callbacks(es).build();
        try (var m = new ConstantMetric()) {
            t.fit(m, Fixtures.blobs(64, 32, 32));
        }
        assertEquals(4, t.currentEpoch());
    }

    static final class NanAfterTwoEpochs extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        @Override
        public NDArray trainingStep(Batch batch, int batchIdx) {
            NDArray loss = super.trainingStep(batch, batchIdx);
            if (trainer().orElseThrow().currentEpoch() >= 2) {
                NDArray nan = loss.mul(Float.NaN);
                log("train_loss", nan, dev.raylightning.core.metrics.LogOptions.defaults());
                return nan;
            }
            return loss;
        }
    }

    @Test
    void nanLossWithCheckFiniteStopsWithAClearMessage() {
        EarlyStopping es = EarlyStopping.builder("train_loss").patience(100).checkFinite(true).build();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(10).logger(false).enableCheckpointing(false)
                .callbacks(es).build();
        try (var m = new NanAfterTwoEpochs()) {
            t.fit(m, Fixtures.blobs(64, 0, 32), null);
        }
        assertEquals(2, es.stoppedEpoch());
        assertEquals(3, t.currentEpoch());
        String reason = es.stopReason().orElseThrow();
        assertTrue(reason.contains("train_loss = NaN is not finite"), reason);
    }

    @Test
    void stoppingThresholdStops() {
        EarlyStopping es = EarlyStopping.builder("constant").mode(MonitorMode.MAX).stoppingThreshold(0.5).build();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(10).logger(false).enableCheckpointing(false)
                .callbacks(es).build();
        try (var m = new ConstantMetric()) {
            t.fit(m, Fixtures.blobs(64, 32, 32));
        }
        assertEquals(1, t.currentEpoch());
        assertTrue(es.stopReason().orElseThrow().contains("Stopping threshold"));
    }

    @Test
    void missingMetricIsAnErrorWhenStrict() {
        EarlyStopping es = EarlyStopping.builder("nothing").build();
        Trainer t = Fixtures.quietTrainer(root).maxEpochs(2).logger(false).enableCheckpointing(false).callbacks(es).build();
        try (var m = new TinyClassifier()) {
            var e = assertThrows(IllegalStateException.class, () -> t.fit(m, Fixtures.blobs(64, 32, 32)));
            assertTrue(e.getMessage().contains("'nothing'"), e.getMessage());
        }
    }

    @Test
    void badArgumentsNameTheArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EarlyStopping.builder("x").patience(-1))
                .getMessage().contains("patience"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EarlyStopping.builder("x").minDelta(-0.1))
                .getMessage().contains("minDelta"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EarlyStopping.builder(""))
                .getMessage().contains("monitor"));
    }
}
