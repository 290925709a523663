package dev.raylightning.strategies;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Prediction;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.EarlyStopping;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.checkpoint.NamedArray;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.metrics.LogOptions;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.launcher.RayWorkerException;
import dev.raylightning.core.testing.Blobs;
import dev.raylightning.strategies.testing.RayProbe;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** RayDdpStrategy on a real local Ray cluster: every worker is its own JVM. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RayDdpStrategyTest {

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    private Trainer.Builder trainer() {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).seed(3).maxEpochs(2);
    }

    static LightningDataModule data(int batch) {
        DataLoader train = DataLoader.builder(Blobs.dataset(256, 1)).batchSize(batch).shuffle(true).seed(9).build();
        DataLoader val = DataLoader.builder(Blobs.dataset(64, 2)).batchSize(batch).build();
        DataLoader test = DataLoader.builder(Blobs.dataset(100, 3)).batchSize(batch).build();
        return LightningDataModule.of(train, val, test, test);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void twoWorkersAtBatchBEqualOneProcessAtBatchTwoB(String optimizer) {
        double lr = optimizer.equals("adam") ? 0.01 : 0.1;
        ModelState single;
        try (TinyClassifier m = new TinyClassifier(16, lr, optimizer)) {
            trainer().logger(false).enableCheckpointing(false).build().fit(m, data(32));
            single = m.stateDict();
        }
        Trainer t = trainer().logger(false).enableCheckpointing(false).strategy(new RayDdpStrategy(2, 1, false)).build();
        try (TinyClassifier m = new TinyClassifier(16, lr, optimizer)) {
            t.fit(m, data(16));
            assertEquals(TrainerStatus.FINISHED, t.status());
            assertEquals(16, t.globalStep());
            assertWeightsClose(single.arrays(), m.stateDict().arrays(), 1e-5);
        }
    }

    /** Logs how many samples each rank trained on, per rank and summed over ranks. */
    static final class ShardCounter extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        @Override
        public NDArray trainingStep(Batch batch, int batchIdx) {
            log("samples", batch.size(), LogOptions.defaults().onStep(false).onEpoch(true).reduce(LogOptions.Reduce.SUM));
            log("samples_all", batch.size(), LogOptions.defaults().onStep(false).onEpoch(true)
                    .reduce(LogOptions.Reduce.SUM).syncDist(true));
            log("rank", trainer().orElseThrow().strategy().globalRank(), LogOptions.defaults().onStep(false)
                    .onEpoch(true).reduce(LogOptions.Reduce.MAX).syncDist(true));
            return super.trainingStep(batch, batchIdx);
        }
    }

    @Test
    void newWorkersStartTheEngineEarlyUnlessAnInitHookMayConfigureItAndTheirHelperThreadsYieldToTraining() {
        dev.raylightning.strategies.launcher.WorkerPool.releaseIdle(); // new workers for both fits
        RayProbe plain = new RayProbe(true);
        RayProbe hooked = new RayProbe();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            trainer().strategy(RayDdpStrategy.builder(2).cpusPerWorker(1).workerIdleTimeout(java.time.Duration.ZERO)
                    .build()).callbacks(plain).build().fit(m, data(16));
            trainer().strategy(RayDdpStrategy.builder(2).cpusPerWorker(1).workerIdleTimeout(java.time.Duration.ZERO)
                    .initHook(rank -> System.setProperty("ray.lightning.test.init-hook", "set")).build())
                    .callbacks(hooked).build().fit(m, data(16));
        }
        assertEquals("true", plain.seen().get("enginePreloaded"), "started when the actor was created");
        assertEquals("null", hooked.seen().get("enginePreloaded"), "with an init hook the engine starts in the run");
        assertEquals("set", hooked.seen().get("initHook"));
        // the JIT compiler yields to training in worker JVMs (CompilerThreads); training keeps nice 0
        assertEquals("[19]", plain.seen().get("compilerNiceness"));
        assertEquals("[0]", plain.seen().get("trainingNiceness"));
        // Ray's async logger blocks instead of polling every 10 ms (RayRuntime.workerJvmOptions)
        double wakeups = (Double) plain.seen().get("loggerWakeups");
        assertTrue(wakeups >= 0 && wakeups < 15, "log4j async-thread wake-ups in 500 ms: " + wakeups);
    }

    @Test
    void fitRunsOnExactlyTheWorkersAndTheDriverAdoptsRankZero() {
        RayProbe probe = new RayProbe();
        Path ckptDir = root.resolve("ckpt");
        ModelCheckpoint ckpt = ModelCheckpoint.builder().dirpath(ckptDir).monitor("val_loss").build();
        RayDdpStrategy strategy = RayDdpStrategy.builder(2).cpusPerWorker(1)
                .initHook(rank -> System.setProperty("ray.lightning.test.init-hook", "rank-" + rank.globalRank()))
                .build();
        Trainer t = trainer().strategy(strategy).callbacks(ckpt, probe).build();
        try (ShardCounter m = new ShardCounter()) {
            ModelState before = m.stateDict();
            t.fit(m, data(16));
            Map<String, Object> seen = probe.seen();
            assertEquals(2.0, seen.get("aliveActors"), "exactly numWorkers worker actors alive during fit");
            assertEquals(2.0, seen.get("worldSize"));
            assertEquals(0.0, seen.get("globalRank"), "the state that came back is rank zero's");
            assertNotEquals((double) ProcessHandle.current().pid(), seen.get("pid"), "training ran in another process");
            assertEquals("1", seen.get("torchThreads"), "torch threads sized to the worker's CPU share");
            assertEquals("rank-0", seen.get("initHook"), "the init hook ran on the worker before training");
            // each rank trained on its half of the shard; together on all 256 samples
            assertEquals(128.0, t.callbackMetrics().get("samples"));
            assertEquals(256.0, t.callbackMetrics().get("samples_all"));
            assertEquals(1.0, t.callbackMetrics().get("rank"));
            @SuppressWarnings("unchecked")
            Map<String, Double> rankZero = (Map<String, Double>) seen.get("rankZeroCallbackMetrics");
            assertEquals(rankZero, t.callbackMetrics(), "driver callback metrics equal rank zero's");
            assertNotEquals(before.arrays().get(0).values()[0], m.stateDict().arrays().get(0).values()[0]);
            // the best checkpoint, written by rank zero, loads on the driver
            assertTrue(Files.isRegularFile(Path.of(ckpt.bestModelPath())), ckpt.bestModelPath());
            try (TinyClassifier loaded = LightningModule.loadFromCheckpoint(Path.of(ckpt.bestModelPath()),
                    TinyClassifier::fromHparams)) {
                assertEquals(before.arrays().size(), loaded.stateDict().arrays().size());
            }
            // the driver's CSV logger got the rows rank zero logged
            assertTrue(Files.isRegularFile(root.resolve("lightning_logs/version_0/metrics.csv")));

            // fit again, then test and predict, through the workers
            t.fit(m, data(16));
            assertEquals(TrainerStatus.FINISHED, t.status());
            List<Map<String, Double>> test = t.test(m, data(16));
            assertTrue(test.get(0).get("test_acc") > 0.8, test.toString());
            List<Prediction> predictions = t.predict(m, data(16));
            int expected = 0;
            for (Prediction p : predictions) {
                for (int idx : p.indices()) {
                    assertEquals(expected++, idx, "predictions come back in dataset order");
                }
            }
            assertEquals(100, expected, "every sample once, padding dropped");
        }
    }

    static final class ConstantMetric extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        @Override
        public void validationStep(Batch batch, int batchIdx) {
            log("constant", 1.0, LogOptions.defaults().syncDist(true));
        }
    }

    @Test
    void earlyStoppingWorksThroughWorkers() {
        EarlyStopping es = EarlyStopping.builder("constant").patience(1).build();
        Trainer t = trainer().maxEpochs(20).logger(false).enableCheckpointing(false).callbacks(es)
                .strategy(new RayDdpStrategy(2, 1, false)).build();
        try (ConstantMetric m = new ConstantMetric()) {
            t.fit(m, data(16));
        }
        assertEquals(2, t.currentEpoch());
        assertTrue(t.shouldStop() || es.stopReason().isPresent(), "early stopping state came back");
        assertEquals(1, es.stoppedEpoch());
    }

    /** A validation metric, not synced, that becomes NaN on rank 1 only from the second epoch. */
    static final class NanOnRankOne extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        @Override
        public void validationStep(Batch batch, int batchIdx) {
            TrainerView t = trainer().orElseThrow();
            boolean nan = t.strategy().globalRank() == 1 && t.currentEpoch() >= 1;
            log("watched", nan ? Double.NaN : 1.0 - 0.1 * t.currentEpoch());
        }
    }

    /** At fit end, every rank's global step, reduced; rank zero sends (min, max) to the driver. */
    static final class StepsAtEnd implements Callback {
        private static final long serialVersionUID = 1L;
        final List<double[]> received = new java.util.ArrayList<>();

        @Override
        public void onFitEnd(TrainerView trainer, LightningModule module) {
            double step = trainer.globalStep();
            double min = trainer.strategy().reduce(new double[] {step}, ReduceOp.MIN)[0];
            double max = trainer.strategy().reduce(new double[] {step}, ReduceOp.MAX)[0];
            trainer.sendToDriver(stateKey(), new double[] {min, max});
        }

        @Override
        public void onDriverMessage(TrainerView trainer, java.io.Serializable payload) {
            received.add((double[]) payload);
        }
    }

    @Test
    void nonFiniteMetricOnOneRankStopsEveryRankAtTheSameStep() {
        EarlyStopping es = EarlyStopping.builder("watched").patience(100).build();
        StepsAtEnd steps = new StepsAtEnd();
        RayDdpStrategy strategy = RayDdpStrategy.builder(2).collectiveTimeout(java.time.Duration.ofSeconds(20)).build();
        Trainer t = trainer().maxEpochs(5).logger(false).enableCheckpointing(false).callbacks(es, steps)
                .strategy(strategy).build();
        String console;
        try (NanOnRankOne m = new NanOnRankOne()) {
            console = DriverConsole.capture(() -> t.fit(m, data(16)));
        }
        // rank 1's warning, logged in its own JVM, reaches the driver's console with its rank
        assertTrue(console.lines().anyMatch(l -> l.contains("WARN") && l.contains("[rank 1] Rank 1: ")
                && l.contains("not finite")), console);
        assertEquals(TrainerStatus.FINISHED, t.status(), "fit returns normally");
        assertEquals(2, t.currentEpoch(), "stopped after the epoch whose validation went NaN");
        assertEquals(16, t.globalStep());
        assertEquals(1, steps.received.size());
        assertArrayEquals(new double[] {16, 16}, steps.received.get(0), "both ranks stopped at the same step");
        String why = t.state().stopReason().orElseThrow();
        assertTrue(why.contains("Rank 1") && why.contains("not finite"), why);
        assertTrue(t.shouldStop());
        assertEquals(1, es.stoppedEpoch(), "rank zero's EarlyStopping knows it stopped, though its metric was finite");
        assertTrue(es.stopReason().orElseThrow().contains("Rank 1"), es.stopReason().toString());
    }

    /** Logs the same warning at every training step on rank 1, and a different one at each epoch end. */
    static final class WarnsOnRankOne extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        @Override
        public void onTrainBatchEnd(double loss, Batch batch, int batchIdx) {
            if (trainer().orElseThrow().strategy().globalRank() == 1) {
                org.slf4j.LoggerFactory.getLogger("dev.raylightning.test.Chatty").warn("the same warning");
            }
        }

        @Override
        public void onTrainEpochEnd() {
            if (trainer().orElseThrow().strategy().globalRank() == 1) {
                for (int i = 0; i < 200; i++) {
                    org.slf4j.LoggerFactory.getLogger("dev.raylightning.test.Chatty").warn("warning number {}", i);
                }
            }
        }
    }

    @Test
    void workersWarningsReachTheDriverCountedAndBounded() {
        Trainer t = trainer().maxEpochs(2).logger(false).enableCheckpointing(false)
                .strategy(new RayDdpStrategy(2, 1, false)).build();
        String console;
        try (WarnsOnRankOne m = new WarnsOnRankOne()) {
            console = DriverConsole.capture(() -> t.fit(m, data(16)));
        }
        List<String> forwarded = console.lines().filter(l -> l.contains("[rank 1]")).toList();
        // 8 identical warnings per epoch come as lines with a count, not one line each
        List<String> same = forwarded.stream().filter(l -> l.contains("the same warning")).toList();
        int counted = 0;
        for (String l : same) {
            java.util.regex.Matcher times = java.util.regex.Pattern.compile("\\((\\d+) times in a row\\)").matcher(l);
            counted += times.find() ? Integer.parseInt(times.group(1)) : 1;
        }
        assertTrue(same.size() < counted && counted >= 8 && counted <= 16, counted + " in " + same);
        // 200 different ones per epoch: at most a buffer's worth, then one line saying how many were left out
        long numbered = forwarded.stream().filter(l -> l.contains("warning number")).count();
        assertTrue(numbered >= 2 && numbered < 2 * 200, numbered + " lines:\n" + console);
        assertTrue(forwarded.stream().anyMatch(l -> l.contains("more warnings and errors were not forwarded")), console);
        assertTrue(console.lines().noneMatch(l -> l.contains("[rank 0]")), "rank 0 logged no warning:\n" + console);
    }

    static final class FailsOnRankOne extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        @Override
        public NDArray trainingStep(Batch batch, int batchIdx) {
            if (trainer().orElseThrow().strategy().globalRank() == 1 && batchIdx == 3) {
                throw new IllegalArgumentException("bad batch on rank one");
            }
            return super.trainingStep(batch, batchIdx);
        }
    }

    @Test
    void userExceptionOnOneRankReachesTheDriverWithTypeAndMessage() {
        Trainer t = trainer().logger(false).enableCheckpointing(false).strategy(new RayDdpStrategy(2, 1, false)).build();
        long start = System.nanoTime();
        try (FailsOnRankOne m = new FailsOnRankOne()) {
            RayWorkerException e = assertThrows(RayWorkerException.class, () -> t.fit(m, data(16)));
            assertEquals(1, e.rank());
            assertEquals(IllegalArgumentException.class.getName(), e.workerErrorType());
            assertEquals("bad batch on rank one", e.workerErrorMessage());
            assertTrue(e.getMessage().contains("Rank 1"), e.getMessage());
        }
        assertTrue((System.nanoTime() - start) / 1e9 < 60, "no rank hangs");
        assertEquals(TrainerStatus.INTERRUPTED, t.status());
    }

    static final class DiesOnRankOne extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        @Override
        public NDArray trainingStep(Batch batch, int batchIdx) {
            if (trainer().orElseThrow().strategy().globalRank() == 1 && trainer().orElseThrow().currentEpoch() == 1) {
                Runtime.getRuntime().halt(137);
            }
            return super.trainingStep(batch, batchIdx);
        }
    }

    @Test
    void killedWorkerFailsTheFitNamingTheRankAndTheNextFitWorks() {
        Trainer t = trainer().logger(false).enableCheckpointing(false).strategy(new RayDdpStrategy(2, 1, false)).build();
        long start = System.nanoTime();
        try (DiesOnRankOne m = new DiesOnRankOne()) {
            RayWorkerException e = assertThrows(RayWorkerException.class, () -> t.fit(m, data(16)));
            assertEquals(1, e.rank(), e.getMessage());
            assertTrue(e.getMessage().contains("died"), e.getMessage());
        }
        assertTrue((System.nanoTime() - start) / 1e9 < 60, "failure reported within 60 s");
        RayTestSupport.assertNoLeftovers();
        Trainer next = trainer().logger(false).enableCheckpointing(false).strategy(new RayDdpStrategy(2, 1, false)).build();
        try (TinyClassifier m = new TinyClassifier()) {
            next.fit(m, data(16));
            assertEquals(TrainerStatus.FINISHED, next.status());
        }
    }

    @Test
    void requestTheClusterCanNeverFitFailsFastNamingTheShortfall() {
        Trainer t = trainer().logger(false).enableCheckpointing(false).strategy(new RayDdpStrategy(64, 1, false)).build();
        long start = System.nanoTime();
        try (TinyClassifier m = new TinyClassifier()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(m, data(16)));
            assertTrue(e.getMessage().contains("64 CPUs") && e.getMessage().contains("short by"), e.getMessage());
        }
        assertTrue((System.nanoTime() - start) / 1e9 < 30);
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }

    static void assertWeightsClose(List<NamedArray> expected, List<NamedArray> actual, double rel) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            float[] a = expected.get(i).values();
            float[] b = actual.get(i).values();
            for (int k = 0; k < a.length; k++) {
                assertEquals(a[k], b[k], rel * Math.max(1e-3, Math.abs(a[k])), expected.get(i).name() + "[" + k + "]");
            }
        }
    }
}
