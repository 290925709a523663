package dev.raylightning.strategies;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.optim.OptimizerConfig;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.core.testing.Blobs;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.horovod.Compression;
import dev.raylightning.strategies.horovod.Reduction;
import dev.raylightning.strategies.launcher.PlacementStrategy;
import dev.raylightning.strategies.launcher.WorkerStrategyFactory;
import dev.raylightning.strategies.testing.ThreadRanksStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** HorovodRayStrategy's gradient policy on thread ranks over a real TCP ring, and its settings. */
class HorovodStrategyTest {

    @TempDir
    Path root;

    /** TinyClassifier with plain SGD at a given learning rate. */
    static final class Sgd extends TinyClassifier {
        private static final long serialVersionUID = 1L;
        private final double lr;

        Sgd(double lr) {
            super(16, lr, "sgd");
            this.lr = lr;
        }

        @Override
        public OptimizerConfig configureOptimizers() {
            return OptimizerConfig.sgd(lr);
        }
    }

    static LightningDataModule data(int batch) {
        DataLoader train = DataLoader.builder(Blobs.dataset(240, 1)).batchSize(batch).shuffle(true).seed(9).build();
        return LightningDataModule.of(train, null);
    }

    private ModelState fit(Strategy strategy, double lr, int batch) {
        Trainer t = Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false)
                .enableCheckpointing(false).seed(3).maxEpochs(2).strategy(strategy).build();
        try (Sgd m = new Sgd(lr)) {
            t.fit(m, data(batch));
            assertEquals(TrainerStatus.FINISHED, t.status());
            return m.stateDict();
        }
    }

    static WorkerStrategyFactory horovod(Reduction r, double fusionMb) {
        return HorovodRayStrategy.builder(1).reduction(r).fusionThresholdMb(fusionMb).build().workerStrategyFactory();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void averageLandsOnDdpWeightsWhateverTheFusionThreshold(int ranks) {
        ModelState ddp = fit(new ThreadRanksStrategy(ranks, new RayDdpStrategy(1, 1, false).workerStrategyFactory()),
                0.1, 240 / ranks / 4);
        // 64 MB fuses everything; 200 bytes splits the parameters over several fusion buffers
        for (double mb : new double[] {64, 200.0 / (1 << 20)}) {
            ModelState hvd = fit(new ThreadRanksStrategy(ranks, horovod(Reduction.AVERAGE, mb)), 0.1, 240 / ranks / 4);
            ShardedStrategyTest.assertClose(ddp, hvd, 1e-6);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"FP16", "BF16"})
    void compressedGradientsLandNearTheFloat32Run(String kind) {
        Compression c = Compression.valueOf(kind);
        ModelState plain = fit(new ThreadRanksStrategy(2, horovod(Reduction.AVERAGE, 64)), 0.1, 30);
        WorkerStrategyFactory compressed = HorovodRayStrategy.builder(1).compression(c).build().workerStrategyFactory();
        ModelState lossy = fit(new ThreadRanksStrategy(2, compressed), 0.1, 30);
        // 16 steps of rounded gradients: close to float32's weights, but not the same
        double maxDiff = 0;
        for (int i = 0; i < plain.arrays().size(); i++) {
            float[] a = plain.arrays().get(i).values();
            float[] b = lossy.arrays().get(i).values();
            for (int k = 0; k < a.length; k++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
            }
        }
        assertTrue(maxDiff > 0, "rounding changed nothing: the gradients did not travel as " + c);
        assertTrue(maxDiff < (c == Compression.FP16 ? 1e-2 : 5e-2), c + " drifted by " + maxDiff);
    }

    @Test
    void sumIsRanksTimesTheAverage() {
        // plain SGD: summed gradients at lr / 2 take the same steps as averaged ones at lr
        ModelState average = fit(new ThreadRanksStrategy(2, horovod(Reduction.AVERAGE, 64)), 0.1, 30);
        ModelState sum = fit(new ThreadRanksStrategy(2, horovod(Reduction.SUM, 64)), 0.05, 30);
        ShardedStrategyTest.assertClose(average, sum, 1e-5);
    }

    @Test
    void adasumTrainsAndDiffersFromTheAverage() {
        ModelState average = fit(new ThreadRanksStrategy(2, horovod(Reduction.AVERAGE, 64)), 0.1, 30);
        ModelState adasum = fit(new ThreadRanksStrategy(2, horovod(Reduction.ADASUM, 200.0 / (1 << 20))), 0.1, 30);
        double maxDiff = 0;
        for (int i = 0; i < average.arrays().size(); i++) {
            float[] a = average.arrays().get(i).values();
            float[] b = adasum.arrays().get(i).values();
            for (int k = 0; k < a.length; k++) {
                assertTrue(Float.isFinite(b[k]));
                maxDiff = Math.max(maxDiff, Math.abs(a[k] - b[k]));
            }
        }
        assertTrue(maxDiff > 1e-4, "Adasum took the very steps of the average: " + maxDiff);
    }

    @Test
    void backwardPassesPerStepIsTheTrainersAccumulationWindow() {
        Trainer ddp = Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false)
                .enableCheckpointing(false).seed(3).maxEpochs(2).accumulateGradBatches(2)
                .strategy(new ThreadRanksStrategy(2, new RayDdpStrategy(1, 1, false).workerStrategyFactory())).build();
        ModelState accumulated;
        try (Sgd m = new Sgd(0.1)) {
            ddp.fit(m, data(15));
            assertEquals(8, ddp.globalStep(), "8 batches per epoch per rank, a step every 2, 2 epochs");
            accumulated = m.stateDict();
        }
        WorkerStrategyFactory twoPasses = HorovodRayStrategy.builder(1).backwardPassesPerStep(2).build()
                .workerStrategyFactory();
        ModelState hvd = fit(new ThreadRanksStrategy(2, twoPasses), 0.1, 15);
        ShardedStrategyTest.assertClose(accumulated, hvd, 1e-6);

        // two values of one setting are refused when the trainer is built
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder()
                .accumulateGradBatches(3).strategy(HorovodRayStrategy.builder(2).backwardPassesPerStep(2).build())
                .build());
        assertTrue(e.getMessage().contains("accumulateGradBatches(3)") && e.getMessage().contains(
                "backwardPassesPerStep(2)"), e.getMessage());
    }

    @Test
    void hostsAndSlotsPlaceOneBundlePerHostOnDistinctNodes() {
        HorovodRayStrategy s = HorovodRayStrategy.builder().numHosts(2).numSlots(3).cpusPerWorker(1).build();
        assertEquals(6, s.numWorkers());
        assertEquals(3, s.workerGroup().workersPerBundle());
        assertEquals(PlacementStrategy.STRICT_SPREAD, s.workerGroup().placement());
        assertEquals(java.util.Map.of("CPU", 3.0), s.workerGroup().placementBundle());
        HorovodRayStrategy twoByTwo = HorovodRayStrategy.builder().numHosts(2).numSlots(2).build();
        assertEquals(4, twoByTwo.workerGroup().numWorkers());
        assertEquals(2, twoByTwo.workerGroup().workersPerBundle());
        assertEquals(java.util.Map.of("CPU", 2.0), twoByTwo.workerGroup().placementBundle());
        HorovodRayStrategy oneHost = HorovodRayStrategy.builder().numHosts(1).numSlots(2).build();
        assertEquals(PlacementStrategy.PACK, oneHost.placement());
        HorovodRayStrategy packed = new HorovodRayStrategy(4, 1, false);
        assertEquals(1, packed.workerGroup().workersPerBundle());
        assertEquals(64L << 20, packed.fusionThresholdBytes());
        assertEquals(Reduction.AVERAGE, packed.reduction());
    }

    @Test
    void settingsAreCheckedWhereTheyAreGiven() {
        assertThrows(IllegalArgumentException.class, () -> HorovodRayStrategy.builder(2).numHosts(2));
        assertThrows(IllegalArgumentException.class, () -> HorovodRayStrategy.builder().numSlots(0));
        IllegalArgumentException noHosts = assertThrows(IllegalArgumentException.class,
                () -> HorovodRayStrategy.builder().numSlots(2).build());
        assertTrue(noHosts.getMessage().contains("numHosts"), noHosts.getMessage());
        IllegalArgumentException adasum = assertThrows(IllegalArgumentException.class,
                () -> HorovodRayStrategy.builder(3).reduction(Reduction.ADASUM).build());
        assertTrue(adasum.getMessage().contains("power-of-two"), adasum.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HorovodRayStrategy.builder(2).fusionThresholdMb(0));
        IllegalArgumentException lossyAdasum = assertThrows(IllegalArgumentException.class,
                () -> HorovodRayStrategy.builder(2).reduction(Reduction.ADASUM).compression(Compression.FP16).build());
        assertTrue(lossyAdasum.getMessage().contains("Compression.NONE"), lossyAdasum.getMessage());
    }
}
