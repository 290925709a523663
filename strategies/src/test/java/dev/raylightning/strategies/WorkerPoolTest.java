package dev.raylightning.strategies;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.launcher.WorkerPool;
import dev.raylightning.strategies.testing.RayProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Consecutive runs with one worker layout reuse the same worker processes, which go away when released. */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class WorkerPoolTest {

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    private Trainer trainer(RayStrategy strategy, RayProbe probe) {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).enableCheckpointing(false)
                .maxEpochs(1).seed(1).callbacks(probe).strategy(strategy).build();
    }

    /** What a fit, a second fit, validate and test produce: weights and metrics. */
    private record Runs(List<dev.raylightning.core.checkpoint.NamedArray> weights, List<Map<String, Double>> val,
            List<Map<String, Double>> test) {}

    /** Fit, fit again, validate, test; {@code afterEach} runs after each of the four. */
    private Runs fitFitValidateTest(RayStrategy strategy, RayProbe probe, Runnable afterEach) {
        try (TinyClassifier m = new TinyClassifier()) {
            trainer(strategy, probe).fit(m, Fixtures.blobs(256, 64, 16));
            afterEach.run();
            Trainer second = trainer(strategy, new RayProbe());
            second.fit(m, Fixtures.blobs(256, 64, 16));
            assertEquals(TrainerStatus.FINISHED, second.status());
            afterEach.run();
            List<Map<String, Double>> val = second.validate(m, Fixtures.blobs(256, 64, 16));
            afterEach.run();
            List<Map<String, Double>> test = second.test(m, Fixtures.blobs(256, 64, 16));
            afterEach.run();
            return new Runs(m.stateDict().arrays(), val, test);
        }
    }

    @Test
    void fitsValidateAndTestRunOnTheSameWorkerProcessesUntilReleasedWithTheResultsOfNewOnes() {
        WorkerPool.releaseIdle();
        Runs fresh = fitFitValidateTest(RayDdpStrategy.builder(2).workerIdleTimeout(Duration.ZERO).build(),
                new RayProbe(), () -> assertEquals(0, WorkerPool.idleGroups(), "nothing kept without reuse"));
        RayTestSupport.assertNoLeftovers();

        RayProbe probe = new RayProbe();
        List<List<Long>> pids = new ArrayList<>();
        Runs reused = fitFitValidateTest(new RayDdpStrategy(2, 1, false), probe, () -> {
            List<List<Long>> now = WorkerPool.idleWorkerPids();
            assertEquals(1, now.size(), "one group kept");
            assertEquals(2, now.get(0).size(), "of the two workers");
            if (pids.isEmpty()) {
                pids.add(now.get(0));
            }
            assertEquals(pids.get(0), now.get(0), "the second fit, validate and test reused the same processes");
        });
        assertEquals(pids.get(0).get(0).doubleValue(), probe.seen().get("pid"), "rank zero trained in a kept process");
        assertEquals(2.0, probe.seen().get("aliveActors"), "exactly numWorkers workers alive during the fit");
        RayDdpStrategyTest.assertWeightsClose(fresh.weights(), reused.weights(), 0);
        assertEquals(fresh.val(), reused.val(), "validation metrics as with new workers");
        assertEquals(fresh.test(), reused.test(), "test metrics as with new workers");
        assertTrue(reused.test().get(0).get("test_acc") > 0.8, "trained: " + reused.test());

        assertEquals(1, WorkerPool.releaseIdle());
        RayTestSupport.assertProcessesExit(pids.get(0));
        RayTestSupport.assertNoLeftovers();
    }

    @Test
    void idleWorkersGoAfterTheirTimeoutAndWhenAnotherLayoutRuns() {
        WorkerPool.releaseIdle();
        try (TinyClassifier m = new TinyClassifier()) {
            trainer(RayDdpStrategy.builder(2).build(), new RayProbe()).fit(m, Fixtures.blobs(64, 16, 16));
            List<Long> two = WorkerPool.idleWorkerPids().get(0);
            // another layout: the two idle workers would hold CPUs it may need, so they go first
            trainer(RayDdpStrategy.builder(1).workerIdleTimeout(Duration.ofSeconds(2)).build(), new RayProbe())
                    .fit(m, Fixtures.blobs(64, 16, 16));
            RayTestSupport.assertProcessesExit(two);
            assertEquals(List.of(1), idleGroupSizes(), "only the one-worker group is kept");
            List<Long> one = WorkerPool.idleWorkerPids().get(0);
            long deadline = System.currentTimeMillis() + 15_000;
            while (WorkerPool.idleGroups() > 0 && System.currentTimeMillis() < deadline) {
                RayTestSupport.sleep(100);
            }
            assertEquals(0, WorkerPool.idleGroups(), "released after its 2 s idle timeout");
            RayTestSupport.assertProcessesExit(one);
        }
        RayTestSupport.assertNoLeftovers();
    }

    @Test
    void twentyReusedFitsKeepOneGroupAndAConstantProcessCount() {
        WorkerPool.releaseIdle();
        List<Integer> counts = new ArrayList<>();
        List<Long> first = null;
        try (TinyClassifier m = new TinyClassifier()) {
            for (int i = 0; i < 20; i++) {
                Trainer t = trainer(new RayDdpStrategy(2, 1, false), new RayProbe());
                t.fit(m, Fixtures.blobs(64, 16, 16));
                assertEquals(TrainerStatus.FINISHED, t.status(), "fit " + i);
                List<List<Long>> pids = WorkerPool.idleWorkerPids();
                assertEquals(1, pids.size(), "one kept group after fit " + i);
                first = first == null ? pids.get(0) : first;
                assertEquals(first, pids.get(0), "fit " + i + " ran on the first fit's processes");
                assertEquals(2, RayTestSupport.liveWorkers().size(), "two worker actors after fit " + i);
                counts.add(RayRuntime.get().localClusterProcesses().size());
            }
        }
        // the processes of Ray's idle Python/Java worker pool come and go; ours do not add up
        assertTrue(counts.stream().allMatch(c -> c <= counts.get(0) + 1), "cluster processes per fit: " + counts);
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
        RayTestSupport.assertProcessesExit(first);
    }

    @Test
    void aKeptWorkerThatDiedWhileIdleIsReplacedByNewWorkers() {
        WorkerPool.releaseIdle();
        try (TinyClassifier m = new TinyClassifier()) {
            trainer(new RayDdpStrategy(2, 1, false), new RayProbe()).fit(m, Fixtures.blobs(64, 16, 16));
            List<Long> kept = WorkerPool.idleWorkerPids().get(0);
            ProcessHandle.of(kept.get(1)).orElseThrow().destroyForcibly(); // as the OOM killer would
            RayTestSupport.assertProcessesExit(List.of(kept.get(1)));

            Trainer next = trainer(new RayDdpStrategy(2, 1, false), new RayProbe());
            next.fit(m, Fixtures.blobs(64, 16, 16));
            assertEquals(TrainerStatus.FINISHED, next.status(), "the fit ran on new workers");
            List<Long> now = WorkerPool.idleWorkerPids().get(0);
            assertFalse(now.contains(kept.get(1)), "not on the dead process: " + now);
            RayTestSupport.assertProcessesExit(List.of(kept.get(0))); // its surviving partner was released
        }
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }

    @Test
    void shuttingRayDownReleasesIdleWorkers() {
        try (TinyClassifier m = new TinyClassifier()) {
            trainer(new RayDdpStrategy(2, 1, false), new RayProbe()).fit(m, Fixtures.blobs(64, 16, 16));
        }
        assertEquals(1, WorkerPool.idleGroups());
        RayRuntime.shutdown();
        assertEquals(0, WorkerPool.idleGroups(), "the pool was emptied before Ray disconnected");
    }

    private static List<Integer> idleGroupSizes() {
        return WorkerPool.idleWorkerPids().stream().map(List::size).toList();
    }
}
