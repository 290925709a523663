package dev.raylightning.core.strategy;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.ResumeTestAccess;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.loggers.CsvLogger;
import dev.raylightning.core.metrics.LogOptions;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.progress.ProgressListener;
import dev.raylightning.core.testing.Blobs;
import dev.raylightning.core.testing.TinyClassifier;
import ai.djl.ndarray.NDArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The trainer's side of fault tolerance, with ranks as threads: a fit whose rank is lost at a
 * chosen step restarts from the latest recovery snapshot and ends exactly as an uninterrupted fit
 * (weights, metrics, logger rows, checkpoint files, every event the driver saw, once); failures
 * past maxFailures, user exceptions and fits without a policy are not retried.
 */
class RecoveryTest {

    /** Global steps at which rank 1 is lost, taken in order (the test JVM holds every rank). */
    private static final Queue<Long> LOSSES = new ConcurrentLinkedQueue<>();
    /** How many fits (launches) started on rank 0. */
    private static final Queue<Long> STARTS = new ConcurrentLinkedQueue<>();

    @TempDir
    Path root;

    @AfterEach
    void clear() {
        LOSSES.clear();
        STARTS.clear();
    }

    /** TinyClassifier that also aggregates its loss over each training epoch (state a mid-epoch restart must keep). */
    static final class EpochLogging extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        EpochLogging() {
            super(16, 0.05, "sgd-momentum");
        }

        @Override
        public NDArray trainingStep(Batch batch, int batchIdx) {
            NDArray loss = super.trainingStep(batch, batchIdx);
            log("loss_mean", loss.getFloat(), LogOptions.defaults().onStep(false).onEpoch(true));
            return loss;
        }
    }

    /** On rank 1, throws at the next planned step; on rank 0, counts launches. */
    static final class LoseRankOne implements Callback {
        private static final long serialVersionUID = 1L;
        private final boolean userError;

        LoseRankOne(boolean userError) {
            this.userError = userError;
        }

        @Override
        public void onFitStart(TrainerView trainer, LightningModule module) {
            if (trainer.strategy().globalRank() == 0) {
                STARTS.add(trainer.globalStep());
            }
        }

        @Override
        public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int idx) {
            Long next = LOSSES.peek();
            if (trainer.strategy().globalRank() == 1 && next != null && next == trainer.globalStep()) {
                LOSSES.poll();
                if (userError) {
                    throw new IllegalStateException("a bug in user code at step " + next);
                }
                throw new ThreadDdpStrategy.WorkerLost("rank 1 lost at step " + next);
            }
        }
    }

    /** Records, on the driver, every event that reaches listeners. */
    static final class EventLog implements Callback, ProgressListener {
        private static final long serialVersionUID = 1L;
        final List<String> seen = new ArrayList<>();

        @Override
        public void onProgress(ProgressEvent e) {
            seen.add(e.kind() + " " + e.epoch() + "/" + e.batchIdx() + "@" + e.globalStep());
        }
    }

    private record Run(ModelState weights, Map<String, Double> metrics, String csv, List<String> files,
            List<String> events, Trainer trainer) {}

    private static LightningDataModule data() {
        DataLoader train = DataLoader.builder(Blobs.dataset(256, 1)).batchSize(16).shuffle(true).seed(9).build();
        DataLoader val = DataLoader.builder(Blobs.dataset(64, 2)).batchSize(16).build();
        return LightningDataModule.of(train, val);
    }

    /** 3 epochs of 8 steps on 2 ranks, validation twice per epoch, top-2 checkpoints by val_loss. */
    private Run fit(String name, RecoveryPolicy policy, boolean userError) throws IOException {
        Path dir = root.resolve(name);
        EventLog events = new EventLog();
        Trainer t = Trainer.builder().defaultRootDir(dir).enableProgressBar(false).seed(3).maxEpochs(3)
                .valCheckInterval(0.5).logEveryNSteps(2).loggers(new CsvLogger(dir.resolve("logs")))
                .callbacks(ModelCheckpoint.builder().dirpath(dir.resolve("ckpts")).monitor("val_loss").saveTopK(2)
                        .build(), new LoseRankOne(userError), events)
                .strategy(new ThreadDdpStrategy(2, policy)).build();
        try (EpochLogging m = new EpochLogging()) {
            t.fit(m, data());
            String csv;
            try (Stream<Path> logs = Files.walk(dir.resolve("logs"))) {
                csv = Files.readString(logs.filter(p -> p.getFileName().toString().equals("metrics.csv")).findFirst()
                        .orElseThrow());
            }
            List<String> files;
            try (Stream<Path> ckpts = Files.list(dir.resolve("ckpts"))) {
                files = ckpts.map(p -> p.getFileName().toString()).sorted().toList();
            }
            return new Run(m.stateDict(), Map.copyOf(t.callbackMetrics()), csv, files, events.seen, t);
        }
    }

    @ParameterizedTest(name = "lost at step {0}, snapshots every {1} steps, restart at step {2}")
    @CsvSource({
        "11, 3, 9",   // mid-epoch, from the snapshot at epoch 1, batch 1
        "10, 4, 8",   // from the snapshot between epochs 0 and 1
        "2, 5, 0",    // before the first snapshot: from the start
        "12, 3, 9",   // lost on a snapshot step, before its validation (which rank 0 cannot finish alone)
    })
    void aLostRankRestartsFromTheLatestSnapshotAndEndsAsAnUninterruptedFit(long lostAt, long every, long restartAt)
            throws IOException {
        RecoveryPolicy policy = new RecoveryPolicy(2, every);
        Run plain = fit("plain", policy, false);
        assertEquals(List.of(0L), List.copyOf(STARTS), "no loss: one launch");
        assertTrue(plain.trainer().recoveredFailures().isEmpty());

        STARTS.clear();
        LOSSES.add(lostAt);
        Run recovered = fit("recovered", policy, false);
        assertTrue(LOSSES.isEmpty(), "the loss happened");
        assertEquals(List.of(0L, restartAt), List.copyOf(STARTS), "a second launch, from the latest snapshot");
        assertEquals(TrainerStatus.FINISHED, recovered.trainer().status());
        assertEquals(24, recovered.trainer().globalStep());
        assertEquals(1, recovered.trainer().recoveredFailures().size());
        assertTrue(recovered.trainer().recoveredFailures().get(0).getMessage().contains("rank 1 lost at step " + lostAt));

        ResumeTestAccess.assertWeightsClose(plain.weights().arrays(), recovered.weights().arrays(), 1e-6);
        assertEquals(plain.metrics(), recovered.metrics(), "callback metrics, epoch aggregates included");
        assertEquals(plain.csv(), recovered.csv(), "every logger row once, in order");
        assertEquals(plain.files(), recovered.files(), "the same checkpoint files");
        assertEquals(plain.events(), recovered.events(), "the driver saw every event once, in order");
    }

    /** On every rank, the samples of each training batch: launch (as counted by STARTS), epoch, global step, rows. */
    static final class SampleLog implements Callback {
        private static final long serialVersionUID = 1L;
        static final Queue<String[]> SEEN = new ConcurrentLinkedQueue<>();

        @Override
        public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int idx) {
            float[] x = batch.input().toFloatArray();
            int width = x.length / batch.size();
            for (int r = 0; r < batch.size(); r++) {
                SEEN.add(new String[] {String.valueOf(STARTS.size()), String.valueOf(trainer.currentEpoch()),
                        String.valueOf(trainer.globalStep()),
                        java.util.Arrays.toString(java.util.Arrays.copyOfRange(x, r * width, (r + 1) * width))});
            }
        }
    }

    /**
     * A 2-rank trainer whose launches after a failure run 1 rank (an elastic shrink) and, with
     * {@code growBack}, are asked to grow back to 2; rank 1 is lost as LOSSES says.
     */
    private Trainer shrinkingTrainer(String name, int maxEpochs, RecoveryPolicy policy, boolean growBack,
            Callback... more) {
        List<Callback> callbacks = new ArrayList<>(List.of(more));
        callbacks.add(new LoseRankOne(false));
        return Trainer.builder().defaultRootDir(root.resolve(name)).enableProgressBar(false).seed(3)
                .maxEpochs(maxEpochs).logger(false).enableCheckpointing(false)
                .callbacks(callbacks.toArray(Callback[]::new))
                .strategy(new ThreadDdpStrategy(2, policy, 1, growBack)).build();
    }

    /** The EPOCH_START events the driver saw, in order. */
    private static List<String> epochStarts(EventLog events) {
        return events.seen.stream().filter(e -> e.startsWith("EPOCH_START")).toList();
    }

    @Test
    void aRestartAtAnotherWorldSizeShardsTheRestOfTheInterruptedEpochAndRecordsTheWorldSizes() throws IOException {
        LOSSES.add(11L);
        SampleLog.SEEN.clear();
        EventLog events = new EventLog();
        Trainer t = shrinkingTrainer("shrunk", 3, new RecoveryPolicy(1, 3), false, new SampleLog(), events);
        try (EpochLogging m = new EpochLogging()) {
            t.fit(m, data());
        }
        // lost at step 11; the snapshot at step 9 (epoch 1, batch 1) was taken by 2 ranks, which had
        // trained on the first 1 x 16 x 2 = 32 positions of epoch 1's order: 1 rank trains the other
        // 224 (14 batches), then 16 batches of epoch 2
        assertEquals(List.of(0L, 9L), List.copyOf(STARTS));
        assertEquals(TrainerStatus.FINISHED, t.status());
        assertEquals(List.of(2, 1), t.worldSizes());
        assertEquals(9 + 14 + 16, t.globalStep());
        assertEquals(3, t.currentEpoch());
        assertEquals(List.of("EPOCH_START 0/-1@0", "EPOCH_START 1/-1@8", "EPOCH_START 1/-1@9", "EPOCH_START 2/-1@23"),
                epochStarts(events), "the rest of the interrupted epoch starts, after the events already seen");

        List<String> epochZero = SampleLog.SEEN.stream().filter(r -> r[0].equals("1") && r[1].equals("0"))
                .map(r -> r[3]).toList();
        assertEquals(256, new java.util.HashSet<>(epochZero).size(), "epoch 0: every sample once over 2 ranks");
        List<String> epochOne = SampleLog.SEEN.stream().filter(r -> r[1].equals("1")
                && (r[0].equals("1") && Long.parseLong(r[2]) <= 9 || r[0].equals("2"))).map(r -> r[3]).toList();
        assertEquals(256, epochOne.size(), "32 samples before the snapshot, 224 after it");
        assertEquals(new java.util.HashSet<>(epochZero), new java.util.HashSet<>(epochOne),
                "epoch 1 over both world sizes: every sample exactly once");
    }

    @Test
    void aRestartAtAnotherWorldSizeBeforeAnySnapshotStartsOverAndLosesNoEvent() {
        LOSSES.add(2L);
        EventLog events = new EventLog();
        Trainer t = shrinkingTrainer("shrunk-early", 3, new RecoveryPolicy(1, 5), false, events);
        try (EpochLogging m = new EpochLogging()) {
            t.fit(m, data());
        }
        assertEquals(List.of(0L, 0L), List.copyOf(STARTS));
        assertEquals(List.of(2, 1), t.worldSizes());
        assertEquals(3 * 16, t.globalStep());
        assertEquals(List.of("EPOCH_START 0/-1@0", "EPOCH_START 0/-1@0", "EPOCH_START 1/-1@16", "EPOCH_START 2/-1@32"),
                epochStarts(events), "the new run's events are not taken for a replay of the lost one's");
    }

    @Test
    void aShrunkGroupAskedToGrowEndsAtTheNextEpochBoundaryAndTheFitContinuesOnEveryRank() {
        LOSSES.add(11L);
        EventLog events = new EventLog();
        Trainer t = shrinkingTrainer("grown", 4, new RecoveryPolicy(1, 3), true, events);
        double before;
        try (EpochLogging m = new EpochLogging()) {
            before = Trainer.builder().defaultRootDir(root.resolve("grown")).enableProgressBar(false).logger(false)
                    .enableCheckpointing(false).build().validate(m, data()).get(0).get("val_loss");
            t.fit(m, data());
        }
        // lost at step 11: 1 rank continues epoch 1 from the snapshot at step 9 and, asked at once to
        // grow, first finishes that epoch (14 steps); at the boundary (step 23) both ranks take over
        assertEquals(List.of(0L, 9L, 23L), List.copyOf(STARTS));
        assertEquals(TrainerStatus.FINISHED, t.status());
        assertEquals(List.of(2, 1, 2), t.worldSizes(), "shrunk to one rank, then grown back to two");
        assertEquals(1, t.recoveredFailures().size(), "growing back is no failure");
        assertEquals(9 + 14 + 8 + 8, t.globalStep());
        assertEquals(4, t.currentEpoch());
        assertEquals(List.of("EPOCH_START 0/-1@0", "EPOCH_START 1/-1@8", "EPOCH_START 1/-1@9", "EPOCH_START 2/-1@23",
                "EPOCH_START 3/-1@31"), epochStarts(events), "the larger group continues at the boundary, no epoch twice");
        List<String> afterGrowth = events.seen.subList(events.seen.indexOf("EPOCH_START 2/-1@23"), events.seen.size());
        assertEquals(afterGrowth.size(), afterGrowth.stream().distinct().count(), "no event twice: " + afterGrowth);
        assertEquals(1, events.seen.stream().filter(e -> e.startsWith("EPOCH_END 1/")).count(),
                "the shrunk group's epoch ended once, before the boundary it stopped at: " + events.seen);
        assertTrue(t.callbackMetrics().get("val_loss") < 0.5 * before,
                "training went on: " + before + " -> " + t.callbackMetrics().get("val_loss"));
    }

    @Test
    void moreLossesThanMaxFailuresFailTheFitListingEveryFailure() {
        LOSSES.addAll(List.of(5L, 5L));
        RecoveryExhaustedException e = assertThrows(RecoveryExhaustedException.class,
                () -> fit("exhausted", new RecoveryPolicy(1, 2), false));
        assertEquals(2, e.failures().size());
        assertTrue(e.getMessage().contains("failed 2 times, more than maxFailures(1)"), e.getMessage());
        assertTrue(e.getMessage().contains("1. rank 1 lost at step 5") && e.getMessage().contains("2. rank 1 lost at step 5"),
                e.getMessage());
        assertEquals(2, STARTS.size());
    }

    @Test
    void aUserExceptionIsNotRetried() {
        LOSSES.add(5L);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> fit("user", new RecoveryPolicy(3, 2), true));
        assertTrue(e.getMessage().contains("a bug in user code at step 5"), e.getMessage());
        assertEquals(1, STARTS.size(), "one launch");
    }

    @Test
    void withoutAPolicyTheFirstLossEndsTheFit() {
        LOSSES.add(5L);
        assertThrows(ThreadDdpStrategy.WorkerLost.class, () -> fit("none", RecoveryPolicy.NONE, false));
        assertEquals(1, STARTS.size());
    }
}
