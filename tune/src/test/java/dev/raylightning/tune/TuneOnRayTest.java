package dev.raylightning.tune;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.testing.Blobs;
import dev.raylightning.core.testing.OnceMarker;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.RayShardedStrategy;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.tune.integration.TuneReportCheckpointCallback;
import dev.raylightning.tune.results.ExperimentAnalysis;
import dev.raylightning.tune.results.ExperimentDirectory;
import dev.raylightning.tune.results.ExperimentState;
import dev.raylightning.tune.schedulers.AshaScheduler;
import io.ray.api.PlacementGroups;
import io.ray.api.placementgroup.PlacementGroup;
import io.ray.api.placementgroup.PlacementGroupState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.raylightning.tune.search.SearchSpace.choice;
import static dev.raylightning.tune.search.SearchSpace.gridSearch;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Tune on a real local Ray cluster of 2 CPUs: every trial is its own actor JVM in its own
 * placement group, and DDP trials start their workers inside that group.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TuneOnRayTest {

    @TempDir
    Path storage;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    private TuneOptions.Builder options(String name) {
        return TuneOptions.builder().storagePath(storage).name(name).seed(7).verbose(TuneOptions.SILENT);
    }

    // ---- DDP trials with the Lightning callbacks ------------------------------------------------

    static LightningDataModule blobs() {
        DataLoader train = DataLoader.builder(Blobs.dataset(128, 1)).batchSize(16).shuffle(true).seed(4).build();
        DataLoader val = DataLoader.builder(Blobs.dataset(64, 2)).batchSize(16).build();
        return LightningDataModule.of(train, val, null, null);
    }

    /** TinyClassifier whose validation loss is averaged over ranks, so it equals the loss of one process. */
    static final class SyncedClassifier extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        SyncedClassifier(int hidden, double lr) {
            super(hidden, lr, "sgd");
        }

        static SyncedClassifier synced(Map<String, Object> h) {
            return new SyncedClassifier(((Number) h.get("hidden")).intValue(), ((Number) h.get("lr")).doubleValue());
        }

        @Override
        public void validationStep(dev.raylightning.core.data.Batch batch, int batchIdx) {
            ai.djl.ndarray.NDArray logits = forward(batch.input());
            log("val_loss", loss(batch, logits), dev.raylightning.core.metrics.LogOptions.progressBar().syncDist(true));
            log("val_acc", accuracy(batch, logits), dev.raylightning.core.metrics.LogOptions.defaults().syncDist(true));
        }
    }

    /** Trains a classifier on the trial's Ray DDP workers, inside the trial's placement group. */
    static void ddpTrainable(TrialConfig config, TrialContext context) {
        RayDdpStrategy ddp = RayDdpStrategy.builder(context.resources().numWorkers())
                .resourcesPerWorker(Map.of("CPU", context.resources().cpusPerWorker())).build();
        Trainer trainer = Trainer.builder().maxEpochs(3).seed(5).enableProgressBar(false).logger(false)
                .enableCheckpointing(false)
                .defaultRootDir(Path.of(System.getProperty("java.io.tmpdir")))
                .strategy(ddp)
                .callbacks(new TuneReportCheckpointCallback(List.of("val_loss", "val_acc")))
                .build();
        try (TinyClassifier m = new SyncedClassifier(config.getInt("hidden"), config.getDouble("lr"))) {
            trainer.fit(m, blobs());
        }
    }

    /** The same, on the trial's workers with the sharded strategy. */
    static void shardedTrainable(TrialConfig config, TrialContext context) {
        RayShardedStrategy sharded = RayShardedStrategy.builder(context.resources().numWorkers())
                .resourcesPerWorker(Map.of("CPU", context.resources().cpusPerWorker())).build();
        Trainer trainer = Trainer.builder().maxEpochs(2).seed(5).enableProgressBar(false).logger(false)
                .enableCheckpointing(false)
                .defaultRootDir(Path.of(System.getProperty("java.io.tmpdir")))
                .strategy(sharded)
                .callbacks(new TuneReportCheckpointCallback(List.of("val_loss")))
                .build();
        try (TinyClassifier m = new SyncedClassifier(config.getInt("hidden"), config.getDouble("lr"))) {
            trainer.fit(m, blobs());
        }
    }

    @Test
    void shardedTrialsReportWithConsolidatedCheckpoints() {
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::shardedTrainable, options("sharded")
                .config(Map.of("hidden", 16, "lr", 0.1))
                .metric("val_loss").mode(Mode.MIN)
                .resourcesPerTrial(TuneResources.of(2, 0.5, false))
                .build());
        TrialSnapshot t = analysis.trials().get(0);
        assertEquals(TrialStatus.TERMINATED, t.status(), () -> "trial " + t.trialId() + ": " + t.errorMessage());
        assertEquals(List.of(1L, 2L), t.results().stream().map(TrialResult::trainingIteration).toList());
        Path best = analysis.bestCheckpoint().orElseThrow();
        var state = dev.raylightning.core.checkpoint.CheckpointIO.read(best).optimizer().orElseThrow();
        assertEquals(4, state.updates().length, "the state of all four parameters, gathered from both shards");
        for (long u : state.updates()) {
            assertEquals(state.updates()[0], u);
        }
        assertTrue(state.updates()[0] > 0);
    }

    @Test
    void ddpTrialsReportOncePerValidationAndTheBestCheckpointReproducesItsMetric() throws Exception {
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::ddpTrainable, options("ddp")
                .config(Map.of("hidden", 16, "lr", gridSearch(0.05, 0.2)))
                .metric("val_loss").mode(Mode.MIN)
                // 2 workers x 0.5 CPU + 1 head CPU: one trial at a time on 2 CPUs
                .resourcesPerTrial(TuneResources.of(2, 0.5, false))
                .build());

        assertEquals(2, analysis.trials().size());
        for (TrialSnapshot t : analysis.trials()) {
            assertEquals(TrialStatus.TERMINATED, t.status(), () -> "trial " + t.trialId() + ": " + t.errorMessage());
            // 3 epochs, one report per validation end; none for the sanity check
            assertEquals(List.of(1L, 2L, 3L), t.results().stream().map(TrialResult::trainingIteration).toList());
            for (TrialResult r : t.results()) {
                assertNotNull(r.checkpoint(), "every report of TuneReportCheckpointCallback carries a checkpoint");
                assertTrue(r.metrics().containsKey("val_loss") && r.metrics().containsKey("val_acc"));
            }
        }
        Path best = analysis.bestCheckpoint().orElseThrow();
        assertTrue(Files.isRegularFile(best), best + " exists");
        TrialSnapshot bestTrial = analysis.bestTrial().orElseThrow();
        double reported = bestTrial.results().stream()
                .filter(r -> best.endsWith(Path.of(r.checkpoint())))
                .findFirst().orElseThrow().metrics().get("val_loss");
        try (SyncedClassifier m = SyncedClassifier.loadFromCheckpoint(best, SyncedClassifier::synced)) {
            Trainer t = Trainer.builder().enableProgressBar(false).logger(false).enableCheckpointing(false)
                    .defaultRootDir(storage).build();
            double loaded = t.validate(m, blobs()).get(0).get("val_loss");
            assertEquals(reported, loaded, 1e-4 * Math.max(1, Math.abs(reported)));
        }
        assertNoTunePlacementGroupsLeft();
    }

    /** On rank 1, kills its own process once (across restarts) at global step 9. */
    static final class KillRankOneOnce implements dev.raylightning.core.callbacks.Callback {
        private static final long serialVersionUID = 1L;
        private final String marks;

        KillRankOneOnce(String marks) {
            this.marks = marks;
        }

        @Override
        public void onTrainBatchEnd(dev.raylightning.core.callbacks.TrainerView trainer,
                dev.raylightning.core.LightningModule module, double loss, dev.raylightning.core.data.Batch batch,
                int idx) {
            if (trainer.strategy().globalRank() == 1 && trainer.globalStep() == 9
                    && OnceMarker.claim(Path.of(marks), "killed", "rank 1")) {
                OnceMarker.signalSelf("KILL");
            }
        }
    }

    /** {@link #ddpTrainable} whose strategy survives one lost worker, and whose rank 1 is killed once. */
    static void recoveringDdpTrainable(TrialConfig config, TrialContext context) {
        RayDdpStrategy ddp = RayDdpStrategy.builder(context.resources().numWorkers())
                .resourcesPerWorker(Map.of("CPU", context.resources().cpusPerWorker()))
                .maxFailures(1).recoveryCheckpointEveryNSteps(5).build();
        Trainer trainer = Trainer.builder().maxEpochs(3).seed(5).enableProgressBar(false).logger(false)
                .enableCheckpointing(false)
                .defaultRootDir(Path.of(System.getProperty("java.io.tmpdir")))
                .strategy(ddp)
                .callbacks(new TuneReportCheckpointCallback(List.of("val_loss")),
                        new KillRankOneOnce(config.getString("marks")))
                .build();
        try (TinyClassifier m = new SyncedClassifier(16, 0.1)) {
            trainer.fit(m, blobs());
            if (trainer.recoveredFailures().size() != 1) {
                throw new IllegalStateException("expected one recovered failure: " + trainer.recoveredFailures());
            }
        }
    }

    @Test
    void aTrialWhoseWorkerIsKilledRecoversInsideItsReservationAndReportsEachValidationOnce() throws Exception {
        Path marks = Files.createDirectories(storage.resolve("marks"));
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::recoveringDdpTrainable, options("recovering")
                .config(Map.of("marks", marks.toString()))
                .metric("val_loss").mode(Mode.MIN)
                .resourcesPerTrial(TuneResources.of(2, 0.5, false))
                .build());
        assertTrue(Files.exists(marks.resolve("killed")), "rank 1 was killed");
        TrialSnapshot t = analysis.trials().get(0);
        assertEquals(TrialStatus.TERMINATED, t.status(), () -> "trial " + t.trialId() + ": " + t.errorMessage());
        // 3 epochs of 4 steps, one report per validation end; killed at step 9, the fit restarts
        // from the snapshot at step 5 and runs epoch 1's validation again: its report is not repeated
        assertEquals(List.of(1L, 2L, 3L), t.results().stream().map(TrialResult::trainingIteration).toList());
        assertNoTunePlacementGroupsLeft();
    }

    // ---- scheduling ------------------------------------------------------------------------------

    /** Reports quality * t for t = 1..8, one report per {@code step_ms}. */
    static void linearObjective(TrialConfig config, TrialContext context) throws InterruptedException {
        double q = config.getDouble("quality");
        for (int t = 1; t <= 8; t++) {
            Thread.sleep(config.getLong("step_ms"));
            context.report(Map.of("score", q * t));
        }
    }

    @Test
    void ashaStopsTheBadTrialsEarlyAndFindsTheBestConfig() {
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::linearObjective, options("asha")
                // best first: later, worse trials meet full rungs and are cut at the first one
                .config(Map.of("quality", gridSearch(8, 7, 6, 5, 4, 3, 2, 1), "step_ms", 700))
                .metric("score").mode(Mode.MAX)
                .scheduler(AshaScheduler.builder().gracePeriod(1).reductionFactor(2).maxT(8).build())
                // 0.5 CPU per trial: four trials at once on 2 CPUs
                .resourcesPerTrial(TuneResources.headOnly(0.5))
                .build());

        assertEquals(8, analysis.bestConfig().orElseThrow().getInt("quality"));
        Map<Integer, TrialSnapshot> byQuality = new LinkedHashMap<>();
        analysis.trials().forEach(t -> byQuality.put(t.config().getInt("quality"), t));
        TrialSnapshot best = byQuality.get(8);
        assertEquals(8, best.lastResult().orElseThrow().trainingIteration(), "the best trial runs to maxT");
        for (int q = 1; q <= 4; q++) {
            TrialSnapshot bad = byQuality.get(q);
            assertEquals(TrialStatus.TERMINATED, bad.status());
            assertEquals(1, bad.results().size(), "quality " + q + " is cut at the first rung");
        }
        assertTrue(analysis.trials().stream().mapToLong(t -> t.results().size()).sum() < 8 * 8,
                "ASHA saved iterations");
        assertNoTunePlacementGroupsLeft();
    }

    /** Reports when it ran, so overlaps between trials can be seen. */
    static void timedTrial(TrialConfig config, TrialContext context) throws InterruptedException {
        double start = System.currentTimeMillis();
        Thread.sleep(1_000);
        context.report(Map.of("start_ms", start, "end_ms", (double) System.currentTimeMillis()));
    }

    @Test
    void trialsNeedingTheWholeClusterRunOneAtATime() {
        // a fit on the driver first: its two workers stay warm, holding both CPUs, until Tune starts trials
        dev.raylightning.core.Trainer fit = dev.raylightning.core.Trainer.builder().defaultRootDir(storage)
                .enableProgressBar(false).logger(false).enableCheckpointing(false).maxEpochs(1)
                .strategy(new dev.raylightning.strategies.RayDdpStrategy(2, 1, false)).build();
        try (var m = new dev.raylightning.core.testing.TinyClassifier()) {
            fit.fit(m, dev.raylightning.core.testing.Fixtures.blobs(64, 16, 16));
        }
        assertEquals(1, dev.raylightning.strategies.launcher.WorkerPool.idleGroups());
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::timedTrial, options("serial")
                .config(Map.of("i", gridSearch(0, 1, 2)))
                .resourcesPerTrial(TuneResources.headOnly(2))
                .build());
        List<double[]> spans = new ArrayList<>();
        for (TrialSnapshot t : analysis.trials()) {
            assertEquals(TrialStatus.TERMINATED, t.status());
            Map<String, Double> m = t.lastResult().orElseThrow().metrics();
            spans.add(new double[] {m.get("start_ms"), m.get("end_ms")});
        }
        spans.sort((a, b) -> Double.compare(a[0], b[0]));
        for (int i = 1; i < spans.size(); i++) {
            assertTrue(spans.get(i)[0] >= spans.get(i - 1)[1], "trial " + i + " started before the previous ended");
        }
        assertEquals(0, dev.raylightning.strategies.launcher.WorkerPool.idleGroups(), "released for the trials");
        assertNoTunePlacementGroupsLeft();
    }

    /** Grows a checkpointed state by {@code rate} per step; all four trials start together. */
    static void growing(TrialConfig config, TrialContext context) throws Exception {
        Path marks = Path.of(config.getString("marks"));
        Files.writeString(marks.resolve(context.trialId() + "-" + System.nanoTime()), "");
        long deadline = System.currentTimeMillis() + 60_000;
        while (markCount(marks) < 4 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        double state = 0;
        if (context.checkpoint().isPresent()) {
            state = Double.parseDouble(Files.readString(context.checkpoint().get()));
        }
        for (long t = context.iteration() + 1; t <= 8; t++) {
            Thread.sleep(400);
            state += config.getDouble("rate");
            context.report(Map.of("score", state), Double.toString(state).getBytes(StandardCharsets.UTF_8), "state");
        }
    }

    @Test
    void populationBasedTrainingMovesTheWorstTrialOntoTheBestOnesCheckpoint() throws Exception {
        Path marks = Files.createDirectories(storage.resolve("pbt-marks"));
        var pbt = dev.raylightning.tune.schedulers.PopulationBasedTraining.builder()
                .perturbationInterval(2).quantileFraction(0.25).resampleProbability(0)
                .mutate("rate", List.of(0.1, 1.0, 2.0, 4.0)).seed(1).build();
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::growing, options("pbt")
                .config(Map.of("rate", gridSearch(0.1, 1.0, 2.0, 4.0), "marks", marks.toString()))
                .metric("score").mode(Mode.MAX)
                .scheduler(pbt)
                .resourcesPerTrial(TuneResources.headOnly(0.5))
                .build());
        assertTrue(pbt.numPerturbations() >= 1, pbt.describe());
        // the trial that started at rate 0.1 could reach 0.8 alone; exploiting puts it on a far better track
        TrialSnapshot slow = analysis.trials().get(0);
        assertEquals(TrialStatus.TERMINATED, slow.status(), slow.errorMessage());
        assertNotEquals(0.1, slow.config().getDouble("rate"), "explored config: a neighbour of a top trial's rate");
        // after an exploit its iterations continue from the cloned checkpoint's, with the source's state
        double best = slow.results().stream().mapToDouble(r -> r.metrics().get("score")).max().orElseThrow();
        assertTrue(best > 4, slow.results().toString());
        assertTrue(slow.results().stream().anyMatch(r -> r.trainingIteration() > 2), slow.results().toString());
        assertEquals(slow.config(), TrialConfig.fromJson(Files.readString(
                analysis.experimentPath().resolve(slow.dirName()).resolve("params.json"))), "params.json follows");
        assertNoTunePlacementGroupsLeft();
    }

    /** Six checkpointed reports with scores 1, 5, 2, 4, 3, 0. */
    static void sixCheckpoints(TrialConfig config, TrialContext context) {
        double[] scores = {1, 5, 2, 4, 3, 0};
        for (double v : scores) {
            context.report(Map.of("score", v), Double.toString(v).getBytes(StandardCharsets.UTF_8), "state");
        }
    }

    @Test
    void keepCheckpointsKeepsTheBestAndTheLatest() throws Exception {
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::sixCheckpoints, options("keep")
                .metric("score").mode(Mode.MAX).keepCheckpoints(2)
                .resourcesPerTrial(TuneResources.headOnly(1))
                .build());
        Path trialDir = analysis.experimentPath().resolve(analysis.trials().get(0).dirName());
        List<String> left;
        try (var files = Files.list(trialDir)) {
            left = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("checkpoint_")).sorted().toList();
        }
        // scores 5 (iteration 2) and 4 (iteration 4) are the best two; iteration 6 is the latest
        assertEquals(List.of("checkpoint_000002", "checkpoint_000004", "checkpoint_000006"), left);
        assertEquals(trialDir.resolve("checkpoint_000002").resolve("state"), analysis.bestCheckpoint().orElseThrow());
    }

    // ---- failures ----------------------------------------------------------------------------------

    static void failsWhenAsked(TrialConfig config, TrialContext context) {
        if (config.getBoolean("fail")) {
            throw new IllegalStateException("bad trial " + context.trialId());
        }
        context.report(Map.of("ok", 1.0));
    }

    @Test
    void aThrowingTrialEndsAsErrorWithItsMessageAndTheOthersComplete() throws Exception {
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::failsWhenAsked, options("errors")
                .config(Map.of("fail", gridSearch(false, true, false)))
                .resourcesPerTrial(TuneResources.headOnly(1))
                .build());
        assertEquals(2, analysis.count(TrialStatus.TERMINATED));
        assertEquals(1, analysis.count(TrialStatus.ERROR));
        TrialSnapshot failed = analysis.errors().get(0);
        assertTrue(failed.errorMessage().contains("IllegalStateException"), failed.errorMessage());
        assertTrue(failed.errorMessage().contains("bad trial " + failed.trialId()), failed.errorMessage());
        String errorFile = Files.readString(analysis.experimentPath().resolve(failed.dirName()).resolve("error.txt"));
        assertTrue(errorFile.contains("bad trial"), errorFile);
        assertNoTunePlacementGroupsLeft();
    }

    static void reportsANamedCheckpoint(TrialConfig config, TrialContext context) {
        context.report(Map.of("ok", 1.0), new byte[] {1, 2, 3}, config.getString("file"));
    }

    @Test
    void aTrialReportingACheckpointNamedDotDotEndsAsErrorAndTheOthersComplete() throws Exception {
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::reportsANamedCheckpoint, options("dotdot")
                .config(Map.of("file", gridSearch("a", "..", "b", "c")))
                .resourcesPerTrial(TuneResources.headOnly(1))
                .build());
        assertEquals(3, analysis.count(TrialStatus.TERMINATED));
        assertEquals(1, analysis.count(TrialStatus.ERROR));
        TrialSnapshot failed = analysis.errors().get(0);
        assertEquals("..", failed.config().getString("file"));
        assertTrue(failed.errorMessage().contains("checkpoint file name must be a single path element"),
                failed.errorMessage());
        for (TrialSnapshot t : analysis.trials()) {
            if (t.status() == TrialStatus.TERMINATED) {
                Path stored = analysis.experimentPath().resolve(t.dirName()).resolve("checkpoint_000001")
                        .resolve(t.config().getString("file"));
                assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(stored));
            }
        }
        assertNoTunePlacementGroupsLeft();
    }

    @Test
    void aPlacementTimeoutEndsThatTrialAsErrorAndTheExperimentGoesOn() {
        // another job holds every CPU, so no trial's group can be placed
        PlacementGroup hog = dev.raylightning.strategies.cluster.Reservations.reserve("other-job",
                List.of(Map.of("CPU", RayRuntime.get().totalCpus())), false, java.time.Duration.ofSeconds(30),
                () -> "test set-up could not hold the cluster");
        try {
            ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::failsWhenAsked, options("no-room")
                    .config(Map.of("fail", gridSearch(false, false)))
                    .resourcesPerTrial(TuneResources.headOnly(1))
                    .placementTimeout(java.time.Duration.ofSeconds(2))
                    .build());
            assertEquals(2, analysis.count(TrialStatus.ERROR));
            for (TrialSnapshot t : analysis.errors()) {
                assertTrue(t.errorMessage().contains("Could not reserve trial " + t.trialId()), t.errorMessage());
                assertTrue(t.results().isEmpty());
            }
        } finally {
            dev.raylightning.strategies.cluster.Reservations.release(hog, "other-job");
        }
        assertNoTunePlacementGroupsLeft();
    }

    /** Checkpoints its iteration; the first attempt dies after two reports, a restart resumes. */
    static void failsOnceThenResumes(TrialConfig config, TrialContext context) throws Exception {
        long from = 0;
        Optional<Path> ckpt = context.checkpoint();
        if (ckpt.isPresent()) {
            from = Long.parseLong(Files.readString(ckpt.get()).trim());
            Files.writeString(Path.of(config.getString("restored_to")), ckpt.get().toAbsolutePath().toString());
        }
        for (long i = from + 1; i <= 4; i++) {
            context.report(Map.of("step", (double) i, "restored_from", (double) from),
                    Long.toString(i).getBytes(StandardCharsets.UTF_8), "state.txt");
            if (i == 2 && ckpt.isEmpty()) {
                throw new IllegalStateException("first attempt dies after two reports");
            }
        }
    }

    @Test
    void aFailedTrialIsRetriedFromItsLastCheckpointWhoseCopyIsRemovedAfter() throws Exception {
        Path restoredTo = storage.resolve("restored-to.txt");
        ExperimentAnalysis analysis = Tune.run(TuneOnRayTest::failsOnceThenResumes, options("retry")
                .config(Map.of("restored_to", restoredTo.toString()))
                .maxFailures(1)
                .resourcesPerTrial(TuneResources.headOnly(1))
                .build());
        TrialSnapshot t = analysis.trials().get(0);
        assertEquals(TrialStatus.TERMINATED, t.status(), t.errorMessage());
        assertEquals(1, t.numFailures());
        assertEquals(List.of(1L, 2L, 3L, 4L), t.results().stream().map(TrialResult::trainingIteration).toList());
        assertEquals(2.0, t.results().get(3).metrics().get("restored_from"));
        assertEquals(4.0, t.lastResult().orElseThrow().metrics().get("step"));
        // the trial actor wrote the checkpoint it resumed from to a folder of its own, gone after the trial
        Path restored = Path.of(Files.readString(restoredTo));
        assertEquals("state.txt", restored.getFileName().toString());
        assertTrue(restored.getParent().getFileName().toString().startsWith("ray-lightning-restore-")
                && restored.getParent().getFileName().toString().contains("-" + t.trialId() + "-"), restored.toString());
        assertFalse(Files.exists(restored.getParent()), restored + " is left behind");
    }

    @Test
    void invalidResourcesFailBeforeAnyTrialStarts() {
        long start = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tune.run(
                TuneOnRayTest::failsWhenAsked, options("too-big")
                        .config(Map.of("fail", false))
                        .resourcesPerTrial(TuneResources.of(8, 2, false))
                        .build()));
        assertTrue(e.getMessage().contains("17 CPUs per trial") && e.getMessage().contains("short by 15"),
                e.getMessage());
        assertFalse(Files.exists(storage.resolve("too-big")), "no experiment was started");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void aSampleFromErrorFailsBeforeAnyTrialStartsNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tune.run(
                TuneOnRayTest::failsWhenAsked, options("bad-space")
                        .config(Map.of("fail", false, "width", dev.raylightning.tune.search.SearchSpace.sampleFrom(
                                (spec, rng) -> spec.getInt("missing") * 2)))
                        .build()));
        assertTrue(e.getMessage().contains("width"), e.getMessage());
        assertFalse(Files.exists(storage.resolve("bad-space")));
    }

    // ---- resume ------------------------------------------------------------------------------------

    /** Records each run; trials after the second hang on their first run until the experiment is resumed. */
    static void resumable(TrialConfig config, TrialContext context) throws Exception {
        Path marks = Path.of(config.getString("marks"));
        Files.writeString(marks.resolve(context.trialId() + "-" + System.nanoTime()), "");
        if (config.getInt("i") >= 2 && !Files.exists(marks.resolve("resumed"))) {
            Thread.sleep(120_000);
        }
        context.report(Map.of("i", (double) config.getInt("i")));
    }

    @Test
    void anInterruptedExperimentResumesOnlyItsUnfinishedTrials() throws Exception {
        Path marks = Files.createDirectories(storage.resolve("marks"));
        TuneOptions opts = options("resume")
                .config(Map.of("i", gridSearch(0, 1, 2, 3), "marks", marks.toString()))
                .resourcesPerTrial(TuneResources.headOnly(2))
                .build();
        AtomicReference<ExperimentAnalysis> first = new AtomicReference<>();
        Thread runner = new Thread(() -> first.set(Tune.run(TuneOnRayTest::resumable, opts)));
        runner.start();
        Path experiment = storage.resolve("resume");
        long deadline = System.currentTimeMillis() + 120_000;
        // two trials finished and the third one's training function is running
        while (terminated(experiment) < 2 || markCount(marks) < 3) {
            assertTrue(System.currentTimeMillis() < deadline, "two trials should finish and a third start");
            Thread.sleep(200);
        }
        runner.interrupt();
        runner.join(60_000);
        assertFalse(runner.isAlive());
        assertEquals(2, first.get().count(TrialStatus.TERMINATED));
        assertNoTunePlacementGroupsLeft();

        Files.writeString(marks.resolve("resumed"), "");
        AshaScheduler asha = AshaScheduler.builder().gracePeriod(1).reductionFactor(2).maxT(4).build();
        ExperimentAnalysis resumed = Tune.run(TuneOnRayTest::resumable, options("resume")
                .config(Map.of("i", gridSearch(0, 1, 2, 3), "marks", marks.toString()))
                .resourcesPerTrial(TuneResources.headOnly(2))
                .metric("i").mode(Mode.MAX).scheduler(asha)
                .resume(true)
                .build());
        assertEquals(4, resumed.count(TrialStatus.TERMINATED));
        // the two trials finished before the interruption were replayed into the scheduler
        assertTrue(asha.describeBrackets().startsWith("Bracket 0: at 1.000: ")
                && asha.describeBrackets().contains("(4 recorded)"), asha.describeBrackets());
        for (TrialSnapshot t : resumed.trials()) {
            long runs;
            try (var files = Files.list(marks)) {
                runs = files.filter(p -> p.getFileName().toString().startsWith(t.trialId() + "-")).count();
            }
            int i = t.config().getInt("i");
            // the finished two ran once; the interrupted one twice; the last one only after resuming
            assertEquals(i == 2 ? 2 : 1, runs, "runs of trial i=" + i);
            assertEquals(List.of((double) i), t.results().stream().map(r -> r.metrics().get("i")).toList());
        }
    }

    static long markCount(Path marks) throws java.io.IOException {
        try (var files = Files.list(marks)) {
            return files.count();
        }
    }

    private static long terminated(Path experiment) {
        if (!Files.exists(experiment.resolve("experiment_state.json"))) {
            return 0;
        }
        try {
            Optional<ExperimentState> state = ExperimentDirectory.open(experiment).loadState();
            return state.map(s -> s.trials().stream().filter(t -> t.status() == TrialStatus.TERMINATED).count())
                    .orElse(0L);
        } catch (RuntimeException e) {
            return 0; // mid-write
        }
    }

    // ---- output -----------------------------------------------------------------------------------

    @Test
    void theStatusTableAndSummaryArePrinted() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Tune.run(TuneOnRayTest::timedTrial, TuneOptions.builder().storagePath(storage).name("table")
                .config(Map.of("i", choice(1, 2)))
                .metric("end_ms").mode(Mode.MAX)
                .resourcesPerTrial(TuneResources.headOnly(1))
                .reportInterval(java.time.Duration.ofMillis(200))
                .output(new PrintStream(bytes, true, StandardCharsets.UTF_8))
                .build());
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("== Status =="), out);
        assertTrue(out.contains("RUNNING"), out);
        assertTrue(out.contains("TERMINATED"), out);
    }

    private static void assertNoTunePlacementGroupsLeft() {
        List<String> live = new ArrayList<>();
        for (PlacementGroup g : PlacementGroups.getAllPlacementGroups()) {
            if (g.getName() != null && g.getName().startsWith("ray-lightning-")
                    && g.getState() != PlacementGroupState.REMOVED) {
                live.add(g.getName() + "=" + g.getState());
            }
        }
        assertEquals(List.of(), live, "placement groups still held");
    }
}
