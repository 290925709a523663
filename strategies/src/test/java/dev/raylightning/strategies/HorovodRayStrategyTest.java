package dev.raylightning.strategies;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.horovod.Reduction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** HorovodRayStrategy on a real local Ray cluster (one node): every worker is its own JVM. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HorovodRayStrategyTest {

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    private Trainer.Builder trainer() {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).seed(3).maxEpochs(2).logger(false)
                .enableCheckpointing(false);
    }

    /** RayDdpStrategy's two workers land on this same single-process run (RayDdpStrategyTest), so Horovod equals DDP. */
    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void oneHostOfTwoSlotsEqualsOneProcessAtTwiceTheBatch(String optimizer) {
        double lr = optimizer.equals("adam") ? 0.01 : 0.1;
        ModelState single;
        try (TinyClassifier m = new TinyClassifier(16, lr, optimizer)) {
            trainer().build().fit(m, RayDdpStrategyTest.data(32));
            single = m.stateDict();
        }
        HorovodRayStrategy hvd = HorovodRayStrategy.builder().numHosts(1).numSlots(2).build();
        Trainer t = trainer().strategy(hvd).build();
        try (TinyClassifier m = new TinyClassifier(16, lr, optimizer)) {
            t.fit(m, RayDdpStrategyTest.data(16));
            assertEquals(TrainerStatus.FINISHED, t.status());
            assertEquals(16, t.globalStep());
            RayDdpStrategyTest.assertWeightsClose(single.arrays(), m.stateDict().arrays(), 1e-5);
        }
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }

    @Test
    void adasumOnTwoWorkersTrains() {
        Trainer t = trainer().strategy(HorovodRayStrategy.builder(2).reduction(Reduction.ADASUM).build()).build();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            t.fit(m, RayDdpStrategyTest.data(16));
            assertEquals(TrainerStatus.FINISHED, t.status());
            double loss = t.callbackMetrics().get("val_loss");
            assertTrue(loss < 0.6, "validation loss after Adasum training: " + loss);
        }
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }

    @Test
    void theTimelineHoldsEveryWorkersStepsOnTheDriver() throws java.io.IOException {
        Path file = root.resolve("traces/timeline.json");
        Trainer t = trainer().strategy(HorovodRayStrategy.builder(2).timeline(file).build()).build();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            t.fit(m, RayDdpStrategyTest.data(16));
            assertEquals(TrainerStatus.FINISHED, t.status());
        }
        assertTrue(java.nio.file.Files.isRegularFile(file), "the driver wrote the merged trace");
        HorovodTimelineTest.assertWholeSteps(HorovodTimelineTest.read(file), 2, t.globalStep());
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }

    @Test
    void unevenInputsOnTwoWorkersFinishWithTheSameWeightsOnBothRanks() {
        UnevenInputsTest.RanksAgree agree = new UnevenInputsTest.RanksAgree();
        Trainer t = trainer().strategy(HorovodRayStrategy.builder(2).unevenInputs(true).build())
                .useDistributedSampler(false).callbacks(agree).build();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            t.fit(m, new UnevenInputsTest.PerRankData(10, 7));
            assertEquals(TrainerStatus.FINISHED, t.status());
            assertEquals(20, t.globalStep(), "both epochs last rank zero's 10 batches");
        }
        assertEquals(2, agree.reports.size());
        for (double[] r : agree.reports) {
            assertEquals(0.0, r[1], "every rank at the same global step");
            assertEquals(0.0, r[2], "every rank holds the same weights");
        }
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }

    @Test
    void moreHostsThanNodesFailsAtOnceNamingTheNodes() {
        long start = System.nanoTime();
        Trainer t = trainer().strategy(HorovodRayStrategy.builder().numHosts(2).numSlots(1).build()).build();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> t.fit(m, RayDdpStrategyTest.data(16)));
            assertTrue(e.getMessage().contains("needs 2 distinct nodes (one per host), but the Ray cluster has 1"),
                    e.getMessage());
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "not after a placement timeout");
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
    }
}
