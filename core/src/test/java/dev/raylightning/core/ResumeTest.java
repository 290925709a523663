package dev.raylightning.core;

import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.checkpoint.NamedArray;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.core.callbacks.TrainerView;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Resuming from a checkpoint continues exactly where an uninterrupted run would be. */
class ResumeTest {

    @TempDir
    Path root;

    /** Records the callback metrics at every training epoch end. */
    static final class EpochRecorder implements Callback {
        final List<Map<String, Double>> epochs = new ArrayList<>();

        @Override
        public void onTrainEpochEnd(TrainerView trainer, LightningModule module) {
            Map<String, Double> row = new LinkedHashMap<>(trainer.callbackMetrics());
            row.put("epoch", (double) trainer.currentEpoch());
            row.put("step", (double) trainer.globalStep());
            row.put("lr", trainer.learningRate().orElseThrow());
            epochs.add(row);
        }
    }

    private Trainer trainer(int epochs, EpochRecorder rec) {
        return Fixtures.quietTrainer(root).maxEpochs(epochs).logger(false).enableCheckpointing(false)
                .callbacks(rec).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd-momentum", "adam"})
    void resumeAtEpochBoundaryMatchesUninterruptedRun(String optimizer) {
        var data = Fixtures.blobs(384, 96, 32);
        EpochRecorder full = new EpochRecorder();
        List<NamedArray> fullWeights;
        try (TinyClassifier m = new TinyClassifier(16, optimizer.equals("adam") ? 0.01 : 0.05, optimizer)) {
            trainer(4, full).fit(m, data);
            fullWeights = m.stateDict().arrays();
        }

        EpochRecorder first = new EpochRecorder();
        Path ckpt = root.resolve("mid.ckpt");
        try (TinyClassifier m = new TinyClassifier(16, optimizer.equals("adam") ? 0.01 : 0.05, optimizer)) {
            Trainer t = trainer(2, first);
            t.fit(m, data);
            t.saveCheckpoint(ckpt);
        }
        EpochRecorder second = new EpochRecorder();
        List<NamedArray> resumedWeights;
        Trainer resumed = trainer(4, second);
        // a fresh module: everything must come from the checkpoint
        try (TinyClassifier m = new TinyClassifier(16, optimizer.equals("adam") ? 0.01 : 0.05, optimizer)) {
            resumed.fit(m, data, ckpt);
            resumedWeights = m.stateDict().arrays();
        }
        assertEquals(4, resumed.currentEpoch());
        assertEquals(full.epochs.get(3).get("step"), (double) resumed.globalStep());

        List<Map<String, Double>> stitched = new ArrayList<>(first.epochs);
        stitched.addAll(second.epochs);
        assertEquals(full.epochs, stitched, "per-epoch metrics identical");
        assertWeightsClose(fullWeights, resumedWeights, 1e-5);
    }

    @Test
    void resumeMidEpochSkipsTheBatchesAlreadyTrained() {
        var data = Fixtures.blobs(384, 96, 32);
        List<NamedArray> fullWeights;
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            Fixtures.quietTrainer(root).maxEpochs(2).logger(false).enableCheckpointing(false).build().fit(m, data);
            fullWeights = m.stateDict().arrays();
        }
        Path ckpt = root.resolve("step17.ckpt");
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            Trainer t = Fixtures.quietTrainer(root).maxSteps(17).logger(false).enableCheckpointing(false)
                    .callbacks(new Callback() {
                        @Override
                        public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss,
                                dev.raylightning.core.data.Batch batch, int batchIdx) {
                            if (trainer.globalStep() == 17) {
                                trainer.saveCheckpoint(ckpt);
                            }
                        }
                    }).build();
            t.fit(m, data);
        }
        var pos = dev.raylightning.core.checkpoint.CheckpointIO.read(ckpt).loop();
        assertEquals(1, pos.epoch());
        assertEquals(5, pos.batchesDone());
        assertEquals(17, pos.globalStep());
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            Trainer t = Fixtures.quietTrainer(root).maxEpochs(2).logger(false).enableCheckpointing(false).build();
            t.fit(m, data, ckpt);
            assertEquals(24, t.globalStep());
            assertWeightsClose(fullWeights, m.stateDict().arrays(), 1e-5);
        }
    }

    static void assertWeightsClose(List<NamedArray> expected, List<NamedArray> actual, double rel) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            float[] a = expected.get(i).values();
            float[] b = actual.get(i).values();
            assertEquals(a.length, b.length);
            for (int k = 0; k < a.length; k++) {
                double tol = rel * Math.max(1e-3, Math.abs(a[k]));
                assertEquals(a[k], b[k], tol, expected.get(i).name() + "[" + k + "]");
            }
        }
    }
}
