package dev.raylightning.strategies;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.loggers.CsvLogger;
import dev.raylightning.core.strategy.RecoveryExhaustedException;
import dev.raylightning.core.testing.OnceMarker;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.launcher.RayWorkerException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fault tolerance on a real local Ray cluster: a worker killed with SIGKILL or stopped with
 * SIGSTOP mid-fit is replaced, the fit continues from the latest recovery snapshot and ends on an
 * uninterrupted fit's weights; more failures than maxFailures end the fit listing each one; nothing
 * is left behind.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FaultToleranceTest {

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    /**
     * On rank 1, at each planned global step, sends its own process {@code signal}, once per step
     * across every attempt (a marker file in {@code dir} holds the time and the process id); on
     * rank 0 of a fit started after a signal, writes the time its first step ended.
     */
    static final class SignalRankOne implements Callback {
        private static final long serialVersionUID = 1L;
        private final String dir;
        private final String signal;
        private final long[] atSteps;
        private transient boolean restarted;

        SignalRankOne(Path dir, String signal, long... atSteps) {
            this.dir = dir.toString();
            this.signal = signal;
            this.atSteps = atSteps;
        }

        @Override
        public void onFitStart(TrainerView trainer, LightningModule module) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                restarted = files.anyMatch(p -> p.getFileName().toString().startsWith("signal-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int idx) {
            int rank = trainer.strategy().globalRank();
            if (rank == 0 && restarted) {
                restarted = false;
                OnceMarker.claim(Path.of(dir), "resumed-" + System.nanoTime(),
                        System.currentTimeMillis() + " " + trainer.globalStep());
            }
            if (rank == 1 && Arrays.stream(atSteps).anyMatch(s -> s == trainer.globalStep())
                    && OnceMarker.claim(Path.of(dir), "signal-" + trainer.globalStep(),
                            System.currentTimeMillis() + " " + ProcessHandle.current().pid())) {
                OnceMarker.signalSelf(signal);
            }
        }
    }

    private Trainer trainer(String name, RayStrategy strategy, Callback... callbacks) {
        Path dir = root.resolve(name);
        return Trainer.builder().defaultRootDir(dir).enableProgressBar(false).enableCheckpointing(false).seed(3)
                .maxEpochs(3).loggers(new CsvLogger(dir.resolve("logs"))).callbacks(callbacks).strategy(strategy)
                .build();
    }

    private static RayDdpStrategy.Builder ddp() {
        return RayDdpStrategy.builder(2).maxFailures(1).recoveryCheckpointEveryNSteps(5);
    }

    /** Two workers of {@code kind} that survive one failure, with a snapshot every 5 steps. */
    private static RayStrategy recovering(String kind) {
        return switch (kind) {
            case "ddp" -> ddp().build();
            case "horovod" -> HorovodRayStrategy.builder(2).maxFailures(1).recoveryCheckpointEveryNSteps(5).build();
            case "sharded" -> RayShardedStrategy.builder(2).maxFailures(1).recoveryCheckpointEveryNSteps(5).build();
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** The step column of the run's metrics.csv, in order. */
    private static List<String> loggedSteps(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve("logs"))) {
            Path csv = files.filter(p -> p.getFileName().toString().equals("metrics.csv")).findFirst().orElseThrow();
            List<String> lines = Files.readAllLines(csv);
            int col = Arrays.asList(lines.get(0).split(",")).indexOf("step");
            return lines.stream().skip(1).map(l -> l.split(",", -1)[col]).toList();
        }
    }

    private static String read(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            Path p = files.filter(f -> f.getFileName().toString().startsWith(prefix)).findFirst().orElseThrow();
            return Files.readString(p);
        }
    }

    /** Every Ray strategy recovers through the one launcher; sharded gathers its optimizer state for each snapshot. */
    @ParameterizedTest
    @ValueSource(strings = {"ddp", "horovod", "sharded"})
    void aWorkerKilledMidFitIsReplacedAndTheFitEndsOnTheUninterruptedWeights(String kind) throws IOException {
        ModelState plain;
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            trainer("plain", recovering(kind)).fit(m, RayDdpStrategyTest.data(16));
            plain = m.stateDict();
        }
        Path marks = Files.createDirectories(root.resolve("marks"));
        Trainer t = trainer("killed", recovering(kind), new SignalRankOne(marks, "KILL", 13));
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            t.fit(m, RayDdpStrategyTest.data(16));
            assertEquals(TrainerStatus.FINISHED, t.status());
            assertEquals(24, t.globalStep());
            RayDdpStrategyTest.assertWeightsClose(plain.arrays(), m.stateDict().arrays(), 1e-5);
        }
        assertEquals(1, t.recoveredFailures().size());
        RayWorkerException failure = (RayWorkerException) t.recoveredFailures().get(0);
        assertEquals(1, failure.rank());
        assertTrue(failure.getMessage().contains("died") && failure.getMessage().contains("node 0"), failure.getMessage());
        assertEquals(loggedSteps(root.resolve("plain")), loggedSteps(root.resolve("killed")),
                "every logger row once, as in the uninterrupted fit");
        String[] killed = read(marks, "signal-").split(" ");
        String[] resumed = read(marks, "resumed-").split(" ");
        assertEquals("11", resumed[1], "training went on from the snapshot at step 10 (first step after it: 11)");
        System.out.printf("%s: kill -> first step after the restart: %.2f s%n", kind,
                (Long.parseLong(resumed[0]) - Long.parseLong(killed[0])) / 1000.0);
        RayTestSupport.assertProcessesExit(List.of(Long.parseLong(killed[1])));
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }

    @Test
    void aStoppedWorkerIsDetectedByTheCollectiveTimeoutNamedAndReplaced() throws IOException {
        Path marks = Files.createDirectories(root.resolve("marks"));
        Trainer t = trainer("stopped", ddp().collectiveTimeout(Duration.ofSeconds(5)).build(),
                new SignalRankOne(marks, "STOP", 7));
        long start = System.nanoTime();
        try (TinyClassifier m = new TinyClassifier()) {
            t.fit(m, RayDdpStrategyTest.data(16));
        }
        assertEquals(TrainerStatus.FINISHED, t.status());
        assertEquals(24, t.globalStep());
        assertEquals(1, t.recoveredFailures().size());
        RayWorkerException failure = (RayWorkerException) t.recoveredFailures().get(0);
        assertEquals(1, failure.rank(), failure.getMessage());
        assertTrue(failure.getMessage().startsWith("Rank 1 of 2 (node 0") && failure.getMessage().contains(
                "stopped answering") && failure.workerErrorType().endsWith("CollectiveException"), failure.getMessage());
        assertTrue((System.nanoTime() - start) / 1e9 < 120, "detected by the 5 s timeout, not a hang");
        long stopped = Long.parseLong(read(marks, "signal-").split(" ")[1]);
        RayTestSupport.assertProcessesExit(List.of(stopped));
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }

    @Test
    void moreFailuresThanMaxFailuresEndTheFitListingEachAndReleaseEverything() throws IOException {
        Path marks = Files.createDirectories(root.resolve("marks"));
        Trainer t = trainer("twice", ddp().build(), new SignalRankOne(marks, "KILL", 4, 9));
        try (TinyClassifier m = new TinyClassifier()) {
            RecoveryExhaustedException e = assertThrows(RecoveryExhaustedException.class,
                    () -> t.fit(m, RayDdpStrategyTest.data(16)));
            assertEquals(2, e.failures().size());
            for (RuntimeException f : e.failures()) {
                assertEquals(1, ((RayWorkerException) f).rank(), f.getMessage());
            }
            assertTrue(e.getMessage().contains("failed 2 times, more than maxFailures(1)"), e.getMessage());
            assertTrue(e.getMessage().contains("1. Rank 1 of 2") && e.getMessage().contains("2. Rank 1 of 2"),
                    e.getMessage());
        }
        assertEquals(TrainerStatus.INTERRUPTED, t.status());
        RayTestSupport.assertNoLeftovers();
    }
}
