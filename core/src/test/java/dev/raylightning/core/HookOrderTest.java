package dev.raylightning.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.testing.Blobs;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Records every hook of fit, validate, test and predict and compares them with docs/hooks.md. */
class HookOrderTest {

    private static final List<String> TRACE = new ArrayList<>();

    @TempDir
    Path root;

    @Test
    void everyEntryPointCallsItsHooksInTheDocumentedOrder() throws IOException {
        Map<String, List<String>> documented = documentedTraces();
        assertEquals(List.of("fit", "validate", "test", "predict"), new ArrayList<>(documented.keySet()));
        DataLoader train = DataLoader.builder(Blobs.dataset(16, 1)).batchSize(8).build();
        DataLoader one = DataLoader.builder(Blobs.dataset(8, 2)).batchSize(8).build();
        LightningDataModule data = LightningDataModule.of(train, one, one, one);
        Trainer trainer = Fixtures.quietTrainer(root).maxEpochs(1).logger(false).numSanityValSteps(1)
                .callbacks(new Recorder()).build();
        try (RecordingModule m = new RecordingModule()) {
            trainer.fit(m, data);
            assertTrace("fit", documented);
            assertTrue(trainer.checkpointCallback().orElseThrow().bestModelPath().endsWith(".ckpt"),
                    "the default ModelCheckpoint saved once");
            trainer.validate(m, data);
            assertTrace("validate", documented);
            trainer.test(m, data);
            assertTrace("test", documented);
            trainer.predict(m, data);
            assertTrace("predict", documented);
        }
    }

    private static void assertTrace(String entry, Map<String, List<String>> documented) {
        List<String> recorded = new ArrayList<>(TRACE);
        TRACE.clear();
        assertEquals(String.join("\n", documented.get(entry)), String.join("\n", recorded),
                entry + ": recorded hooks differ from docs/hooks.md");
    }

    /** The fenced {@code hooks <entry>} blocks of docs/hooks.md, in document order. */
    private static Map<String, List<String>> documentedTraces() throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> block = null;
        for (String line : Files.readAllLines(Path.of("..", "docs", "hooks.md"))) {
            if (line.startsWith("```hooks ")) {
                block = new ArrayList<>();
                out.put(line.substring("```hooks ".length()).trim(), block);
            } else if (line.startsWith("```")) {
                block = null;
            } else if (block != null && !line.isBlank()) {
                block.add(line.trim());
            }
        }
        return out;
    }

    /** Records every callback hook. */
    static final class Recorder implements Callback {
        private static final long serialVersionUID = 1L;

        private static void r(String hook) {
            TRACE.add("callback " + hook);
        }

        @Override public void setup(TrainerView t, LightningModule m, TrainerFn fn) { r("setup"); }
        @Override public void teardown(TrainerView t, LightningModule m, TrainerFn fn) { r("teardown"); }
        @Override public void onFitStart(TrainerView t, LightningModule m) { r("onFitStart"); }
        @Override public void onFitEnd(TrainerView t, LightningModule m) { r("onFitEnd"); }
        @Override public void onSanityCheckStart(TrainerView t, LightningModule m) { r("onSanityCheckStart"); }
        @Override public void onSanityCheckEnd(TrainerView t, LightningModule m) { r("onSanityCheckEnd"); }
        @Override public void onTrainStart(TrainerView t, LightningModule m) { r("onTrainStart"); }
        @Override public void onTrainEnd(TrainerView t, LightningModule m) { r("onTrainEnd"); }
        @Override public void onTrainEpochStart(TrainerView t, LightningModule m) { r("onTrainEpochStart"); }
        @Override public void onTrainEpochEnd(TrainerView t, LightningModule m) { r("onTrainEpochEnd"); }
        @Override public void onTrainBatchStart(TrainerView t, LightningModule m, Batch b, int i) { r("onTrainBatchStart"); }
        @Override public void onTrainBatchEnd(TrainerView t, LightningModule m, double l, Batch b, int i) { r("onTrainBatchEnd"); }
        @Override public void onValidationStart(TrainerView t, LightningModule m) { r("onValidationStart"); }
        @Override public void onValidationEnd(TrainerView t, LightningModule m) { r("onValidationEnd"); }
        @Override public void onValidationEpochStart(TrainerView t, LightningModule m) { r("onValidationEpochStart"); }
        @Override public void onValidationEpochEnd(TrainerView t, LightningModule m) { r("onValidationEpochEnd"); }
        @Override public void onValidationBatchEnd(TrainerView t, LightningModule m, Batch b, int i) { r("onValidationBatchEnd"); }
        @Override public void onTestStart(TrainerView t, LightningModule m) { r("onTestStart"); }
        @Override public void onTestEnd(TrainerView t, LightningModule m) { r("onTestEnd"); }
        @Override public void onTestEpochStart(TrainerView t, LightningModule m) { r("onTestEpochStart"); }
        @Override public void onTestEpochEnd(TrainerView t, LightningModule m) { r("onTestEpochEnd"); }
        @Override public void onTestBatchEnd(TrainerView t, LightningModule m, Batch b, int i) { r("onTestBatchEnd"); }
        @Override public void onPredictStart(TrainerView t, LightningModule m) { r("onPredictStart"); }
        @Override public void onPredictEnd(TrainerView t, LightningModule m) { r("onPredictEnd"); }
        @Override public void onPredictEpochStart(TrainerView t, LightningModule m) { r("onPredictEpochStart"); }
        @Override public void onPredictEpochEnd(TrainerView t, LightningModule m) { r("onPredictEpochEnd"); }
        @Override public void onPredictBatchEnd(TrainerView t, LightningModule m, Batch b, int i) { r("onPredictBatchEnd"); }
        @Override public void onBeforeBackward(TrainerView t, LightningModule m, NDArray loss) { r("onBeforeBackward"); }
        @Override public void onAfterBackward(TrainerView t, LightningModule m) { r("onAfterBackward"); }
        @Override public void onBeforeOptimizerStep(TrainerView t, LightningModule m) { r("onBeforeOptimizerStep"); }
        @Override public void onException(TrainerView t, LightningModule m, Throwable e) { r("onException"); }
        @Override public void onSaveCheckpoint(TrainerView t, LightningModule m, Map<String, Object> x) { r("onSaveCheckpoint"); }
    }

    /** Records every module hook and step. */
    static final class RecordingModule extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        private static void r(String hook) {
            TRACE.add("module " + hook);
        }

        @Override public NDArray trainingStep(Batch b, int i) { TRACE.add("step trainingStep"); return super.trainingStep(b, i); }
        @Override public void validationStep(Batch b, int i) { TRACE.add("step validationStep"); super.validationStep(b, i); }
        @Override public void testStep(Batch b, int i) { TRACE.add("step testStep"); super.testStep(b, i); }
        @Override public NDList predictStep(Batch b, int i) { TRACE.add("step predictStep"); return super.predictStep(b, i); }
        @Override public void setup(TrainerFn fn) { r("setup"); }
        @Override public void teardown(TrainerFn fn) { r("teardown"); }
        @Override public void onFitStart() { r("onFitStart"); }
        @Override public void onFitEnd() { r("onFitEnd"); }
        @Override public void onTrainStart() { r("onTrainStart"); }
        @Override public void onTrainEnd() { r("onTrainEnd"); }
        @Override public void onTrainEpochStart() { r("onTrainEpochStart"); }
        @Override public void onTrainEpochEnd() { r("onTrainEpochEnd"); }
        @Override public void onTrainBatchStart(Batch b, int i) { r("onTrainBatchStart"); }
        @Override public void onTrainBatchEnd(double l, Batch b, int i) { r("onTrainBatchEnd"); }
        @Override public void onValidationStart() { r("onValidationStart"); }
        @Override public void onValidationEnd() { r("onValidationEnd"); }
        @Override public void onValidationEpochStart() { r("onValidationEpochStart"); }
        @Override public void onValidationEpochEnd() { r("onValidationEpochEnd"); }
        @Override public void onValidationBatchEnd(Batch b, int i) { r("onValidationBatchEnd"); }
        @Override public void onTestStart() { r("onTestStart"); }
        @Override public void onTestEnd() { r("onTestEnd"); }
        @Override public void onTestEpochStart() { r("onTestEpochStart"); }
        @Override public void onTestEpochEnd() { r("onTestEpochEnd"); }
        @Override public void onTestBatchEnd(Batch b, int i) { r("onTestBatchEnd"); }
        @Override public void onPredictStart() { r("onPredictStart"); }
        @Override public void onPredictEnd() { r("onPredictEnd"); }
        @Override public void onPredictEpochStart() { r("onPredictEpochStart"); }
        @Override public void onPredictEpochEnd() { r("onPredictEpochEnd"); }
        @Override public void onPredictBatchEnd(Batch b, int i) { r("onPredictBatchEnd"); }
        @Override public void onBeforeBackward(NDArray loss) { r("onBeforeBackward"); }
        @Override public void onAfterBackward() { r("onAfterBackward"); }
        @Override public void onBeforeOptimizerStep() { r("onBeforeOptimizerStep"); }
        @Override public void onSaveCheckpoint(Map<String, Object> extra) { r("onSaveCheckpoint"); }
    }
}
