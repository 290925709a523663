package dev.raylightning.strategies;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.checkpoint.NamedArray;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.Dataset;
import dev.raylightning.core.data.Sample;
import dev.raylightning.core.metrics.LogOptions;
import dev.raylightning.core.optim.OptimizerConfig;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.core.testing.Blobs;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.testing.ThreadRanksStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Horovod's join on thread ranks over a real TCP ring: ranks with different numbers of batches
 * finish the epoch together, and the steps after a rank ran out take its gradient as zero.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class UnevenInputsTest {

    static final int BATCH = 8;
    static final double LR = 0.1;

    @TempDir
    Path root;

    /** TinyClassifier with plain SGD, so an update is exactly lr times the gradient. */
    static class PlainSgd extends TinyClassifier {
        private static final long serialVersionUID = 1L;

        PlainSgd() {
            super(16, LR, "sgd");
        }

        @Override
        public OptimizerConfig configureOptimizers() {
            return OptimizerConfig.sgd(LR);
        }
    }

    /** The one-process reference: batches marked as padding contribute a gradient of exactly zero. */
    static final class ZeroOnPadding extends PlainSgd {
        private static final long serialVersionUID = 1L;
        private final boolean[] padding;

        ZeroOnPadding(boolean[] padding) {
            this.padding = padding;
        }

        @Override
        public NDArray trainingStep(Batch batch, int batchIdx) {
            NDArray loss = super.trainingStep(batch, batchIdx);
            return padding[batchIdx] ? loss.mul(0) : loss;
        }
    }

    /** Some rows of a dataset, in a given order. */
    record Rows(Dataset base, int[] rows) implements Dataset {
        @Override
        public int size() {
            return rows.length;
        }

        @Override
        public Sample get(int index) {
            return base.get(rows[index]);
        }
    }

    /** Rank r's batches are rows [offset(r), offset(r) + batches[r] * BATCH) of one dataset. */
    static final class PerRankData extends LightningDataModule {
        private static final long serialVersionUID = 1L;
        private final int[] batches;

        PerRankData(int... batches) {
            this.batches = batches;
        }

        static Dataset all() {
            return Blobs.dataset(64 * BATCH, 5);
        }

        int offset(int rank) {
            return Arrays.stream(batches, 0, rank).sum() * BATCH;
        }

        int[] rowsOf(int rank, int batch) {
            int[] rows = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                rows[i] = offset(rank) + batch * BATCH + i;
            }
            return rows;
        }

        @Override
        public DataLoader trainDataloader() {
            int rank = trainer().orElseThrow().strategy().globalRank();
            int[] rows = new int[batches[rank] * BATCH];
            Arrays.setAll(rows, i -> offset(rank) + i);
            return DataLoader.builder(new Rows(all(), rows)).batchSize(BATCH).build();
        }

        @Override
        public java.util.Optional<DataLoader> valDataloader() {
            return java.util.Optional.of(DataLoader.builder(Blobs.dataset(40, 6)).batchSize(BATCH).build());
        }

        /**
         * The reference's data for one process accumulating {@code ranks x passes} batches per
         * step: each step holds, rank by rank, the {@code passes} batches that rank trains on in
         * that step, a batch of padding where it has run out. The mean the trainer takes over
         * the window is then the average of the ranks' summed gradients, with zero for a rank
         * that ran out.
         */
        Reference reference(int passes) {
            int longest = Arrays.stream(batches).max().orElseThrow();
            List<Integer> rows = new ArrayList<>();
            List<Boolean> pads = new ArrayList<>();
            for (int step = 0; step < longest / passes; step++) {
                for (int r = 0; r < batches.length; r++) {
                    for (int j = 0; j < passes; j++) {
                        int k = step * passes + j;
                        boolean pad = k >= batches[r];
                        for (int row : rowsOf(pad ? 0 : r, pad ? 0 : k)) {
                            rows.add(row);
                        }
                        pads.add(pad);
                    }
                }
            }
            boolean[] padding = new boolean[pads.size()];
            for (int i = 0; i < padding.length; i++) {
                padding[i] = pads.get(i);
            }
            DataLoader loader = DataLoader.builder(new Rows(all(), rows.stream().mapToInt(Integer::intValue).toArray()))
                    .batchSize(BATCH).build();
            return new Reference(loader, padding, batches.length * passes);
        }
    }

    record Reference(DataLoader loader, boolean[] padding, int accumulate) {}

    /**
     * On every rank at each training epoch's end: the spread (max - min over ranks) of every
     * weight and of the global step, and how many validations ran; rank zero sends them to the
     * driver's instance of this callback.
     */
    static final class RanksAgree implements Callback {
        private static final long serialVersionUID = 1L;
        final List<double[]> reports = new ArrayList<>();
        private int validations;

        @Override
        public void onValidationEnd(TrainerView trainer, LightningModule module) {
            if (!trainer.sanityChecking()) {
                validations++;
            }
        }

        @Override
        public void onTrainEpochEnd(TrainerView trainer, LightningModule module) {
            Strategy s = trainer.strategy();
            List<Double> values = new ArrayList<>();
            values.add((double) trainer.globalStep());
            for (NamedArray a : module.stateDict().arrays()) {
                for (float v : a.values()) {
                    values.add((double) v);
                }
            }
            double[] mine = values.stream().mapToDouble(Double::doubleValue).toArray();
            double[] max = s.reduce(mine.clone(), ReduceOp.MAX);
            double[] min = s.reduce(mine.clone(), ReduceOp.MIN);
            double weightSpread = 0;
            for (int i = 1; i < mine.length; i++) {
                weightSpread = Math.max(weightSpread, max[i] - min[i]);
            }
            trainer.sendToDriver(stateKey(), new double[] {trainer.globalStep(), max[0] - min[0], weightSpread,
                    validations});
        }

        @Override
        public void onDriverMessage(TrainerView trainer, Serializable payload) {
            reports.add((double[]) payload);
        }
    }

    private Trainer.Builder trainer() {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).enableCheckpointing(false)
                .seed(3).maxEpochs(2).numSanityValSteps(0);
    }

    static HorovodRayStrategy.Builder horovod() {
        return HorovodRayStrategy.builder(1).unevenInputs(true);
    }

    // "4;0": a rank that never ran backward still takes part in the reduction (its gradients defined as zeros)
    @ParameterizedTest(name = "batches {0}, backward passes per step {1}")
    @CsvSource({"10;7, 1", "7;10, 1", "10;7;4, 1", "10;7, 2", "4;0, 1"})
    void ranksThatRunOutJoinWithZeroGradients(String counts, int passes) {
        int[] batches = Arrays.stream(counts.split(";")).mapToInt(Integer::parseInt).toArray();
        int longest = Arrays.stream(batches).max().orElseThrow();
        PerRankData data = new PerRankData(batches);
        RanksAgree agree = new RanksAgree();
        ThreadRanksStrategy ranks = new ThreadRanksStrategy(batches.length,
                horovod().backwardPassesPerStep(passes).build().workerStrategyFactory());
        // validation every 3 batches: ranks that ran out must still meet it at the same positions
        Trainer t = trainer().strategy(ranks).useDistributedSampler(false).valCheckInterval(3).callbacks(agree)
                .build();
        ModelState joined;
        try (PlainSgd m = new PlainSgd()) {
            t.fit(m, data);
            assertEquals(TrainerStatus.FINISHED, t.status());
            joined = m.stateDict();
        }
        int stepsPerEpoch = longest / passes;
        assertEquals(2L * stepsPerEpoch, t.globalStep());
        assertEquals(2, agree.reports.size(), "one report per epoch");
        int validationsPerEpoch = longest / 3 + (longest % 3 == 0 ? 0 : 1);
        for (int epoch = 0; epoch < 2; epoch++) {
            double[] r = agree.reports.get(epoch);
            assertEquals(stepsPerEpoch * (epoch + 1.0), r[0], "global step at the end of epoch " + epoch);
            assertEquals(0.0, r[1], "every rank at the same global step");
            assertEquals(0.0, r[2], "every rank holds the same weights");
            assertEquals(validationsPerEpoch * (epoch + 1.0), r[3], "validations on rank zero");
        }

        Reference ref = data.reference(passes);
        ModelState zeroGradients = referenceFit(ref, ref.padding());
        assertEquals(t.globalStep(), lastReferenceSteps);
        double off = maxRelativeDiff(zeroGradients, joined);
        assertTrue(off < 1e-6, "joined fit vs the zero-gradient reference: " + off);
        // the same batches with the padding trained on (what padding the data would do) land elsewhere
        ModelState padded = referenceFit(ref, new boolean[ref.padding().length]);
        assertTrue(maxRelativeDiff(padded, joined) > 1e-3, "the reference does not tell joining from padding");
    }

    private long lastReferenceSteps;

    private ModelState referenceFit(Reference ref, boolean[] padding) {
        Trainer single = trainer().accumulateGradBatches(ref.accumulate()).build();
        try (ZeroOnPadding m = new ZeroOnPadding(padding)) {
            single.fit(m, LightningDataModule.of(ref.loader(), null));
            lastReferenceSteps = single.globalStep();
            return m.stateDict();
        }
    }

    /** The largest difference of a weight, relative to the largest magnitude in its tensor. */
    static double maxRelativeDiff(ModelState expected, ModelState actual) {
        double worst = 0;
        for (int i = 0; i < expected.arrays().size(); i++) {
            float[] a = expected.arrays().get(i).values();
            float[] b = actual.arrays().get(i).values();
            double scale = 0;
            double diff = 0;
            for (int k = 0; k < a.length; k++) {
                scale = Math.max(scale, Math.abs(a[k]));
                diff = Math.max(diff, Math.abs(a[k] - b[k]));
            }
            worst = Math.max(worst, diff / scale);
        }
        return worst;
    }

    @Test
    void theTrainersSamplerSplitsTrainingDataWithoutPaddingAndEvaluationWithIt() {
        // 33 samples in batches of 4 over 2 ranks: 17 (5 batches) and 16 (4 batches) when uneven,
        // 17 and 17 (the first sample again) when padded
        DataLoader train = DataLoader.builder(Blobs.dataset(33, 1)).batchSize(4).shuffle(true).seed(9).build();
        DataLoader val = DataLoader.builder(Blobs.dataset(33, 2)).batchSize(4).build();
        for (boolean uneven : new boolean[] {true, false}) {
            RanksAgree agree = new RanksAgree();
            ThreadRanksStrategy ranks = new ThreadRanksStrategy(2,
                    HorovodRayStrategy.builder(1).unevenInputs(uneven).build().workerStrategyFactory());
            Trainer t = trainer().maxEpochs(1).strategy(ranks).callbacks(agree).build();
            try (RayDdpStrategyTest.ShardCounter m = new RayDdpStrategyTest.ShardCounter()) {
                t.fit(m, LightningDataModule.of(train, val));
                assertEquals(TrainerStatus.FINISHED, t.status());
            }
            assertEquals(5, t.globalStep());
            assertEquals(uneven ? 33.0 : 34.0, t.callbackMetrics().get("samples_all"), "uneven " + uneven);
            assertEquals(17.0, t.callbackMetrics().get("samples"), "rank zero's samples");
            assertEquals(0.0, agree.reports.get(0)[2], "every rank holds the same weights");
            assertTrue(t.callbackMetrics().containsKey("val_loss"));
        }
    }

    /** Logs its loss synced across ranks on every step, which a rank that joined cannot take part in. */
    static final class StepSynced extends PlainSgd {
        private static final long serialVersionUID = 1L;

        @Override
        public NDArray trainingStep(Batch batch, int batchIdx) {
            NDArray loss = super.trainingStep(batch, batchIdx);
            log("synced_loss", loss.getFloat(), LogOptions.defaults().onStep(true).syncDist(true));
            return loss;
        }
    }

    @Test
    void stepValuesSyncedAcrossRanksAreRefusedRatherThanLeftToHang() {
        ThreadRanksStrategy ranks = new ThreadRanksStrategy(2, horovod().build().workerStrategyFactory());
        Trainer t = trainer().strategy(ranks).useDistributedSampler(false).build();
        try (StepSynced m = new StepSynced()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(m, new PerRankData(3, 2)));
            assertTrue(e.getMessage().contains("synced_loss") && e.getMessage().contains("uneven inputs"),
                    e.getMessage());
        }
    }
}
