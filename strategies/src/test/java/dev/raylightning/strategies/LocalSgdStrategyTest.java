package dev.raylightning.strategies;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.checkpoint.NamedArray;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.HostTensor;
import dev.raylightning.core.data.TensorDataset;
import dev.raylightning.core.optim.OptimizerConfig;
import dev.raylightning.strategies.cluster.RayRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher seam is real: a strategy written in under 100 lines on the generic pieces
 * ({@link LocalSgdStrategy}) trains on 2 Ray workers, and its result matches the same schedule
 * computed by hand.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LocalSgdStrategyTest {

    private static final int N = 32;
    private static final int FEATURES = 3;
    private static final int BATCH = 4;
    private static final int EPOCHS = 2;
    private static final int AVERAGE_EVERY = 3;
    private static final double LR = 0.05;

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    /** y = w.x + b, trained on the mean squared error with plain SGD. */
    static final class LinearRegression extends LightningModule {
        private static final long serialVersionUID = 1L;

        @Override
        protected Block configureBlock() {
            return Linear.builder().setUnits(1).build();
        }

        @Override
        protected Shape[] inputShapes() {
            return new Shape[] {new Shape(1, FEATURES)};
        }

        @Override
        public OptimizerConfig configureOptimizers() {
            return OptimizerConfig.sgd(LR);
        }

        @Override
        public NDArray trainingStep(Batch batch, int batchIdx) {
            return forward(batch.input()).sub(batch.label()).square().mean();
        }
    }

    @Test
    void twoWorkersAveragingEveryThirdStepMatchTheHandComputedSchedule() {
        float[] x = new float[N * FEATURES];
        float[] y = new float[N];
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < N; i++) {
            for (int f = 0; f < FEATURES; f++) {
                x[i * FEATURES + f] = (float) r.nextGaussian();
            }
            y[i] = (float) (0.5 * x[i * FEATURES] - 1.5 * x[i * FEATURES + 1] + 0.3 + 0.1 * r.nextGaussian());
        }
        DataLoader train = DataLoader.builder(new TensorDataset(HostTensor.ofFloats(x, N, FEATURES),
                HostTensor.ofFloats(y, N, 1))).batchSize(BATCH).build();
        Trainer t = Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false)
                .enableCheckpointing(false).maxEpochs(EPOCHS).strategy(new LocalSgdStrategy(2, AVERAGE_EVERY)).build();
        try (LinearRegression m = new LinearRegression()) {
            ModelState initial = m.stateDict();
            double[][] expected = handComputed(initial, x, y, true);
            double[][] neverAveraged = handComputed(initial, x, y, false);
            t.fit(m, LightningDataModule.of(train, null));
            assertEquals(TrainerStatus.FINISHED, t.status());
            assertEquals((long) EPOCHS * N / 2 / BATCH, t.globalStep());
            double[] w = weightsAndBias(m.stateDict());
            double gap = 0;
            for (int i = 0; i <= FEATURES; i++) {
                assertEquals(expected[0][i], w[i], 1e-5, "rank zero's parameter " + i);
                gap = Math.max(gap, Math.abs(neverAveraged[0][i] - expected[0][i]));
            }
            assertTrue(gap > 1e-3, "averaging changed the result (gap " + gap + ")");
        }
    }

    /**
     * Each rank's weights (w..., b) after the fit: rank r trains on samples r, r+2, r+4, ... in
     * order (the distributed sampler without shuffling), SGD on the batch's mean squared error,
     * and after every {@value #AVERAGE_EVERY}th step both ranks take the mean of their weights.
     */
    private static double[][] handComputed(ModelState initial, float[] x, float[] y, boolean average) {
        double[][] p = {weightsAndBias(initial), weightsAndBias(initial)};
        int perRank = N / 2;
        int steps = 0;
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (int start = 0; start < perRank; start += BATCH) {
                for (int rank = 0; rank < 2; rank++) {
                    double[] grad = new double[FEATURES + 1];
                    for (int k = start; k < start + BATCH; k++) {
                        int i = rank + 2 * k;
                        double err = p[rank][FEATURES];
                        for (int f = 0; f < FEATURES; f++) {
                            err += p[rank][f] * x[i * FEATURES + f];
                        }
                        err -= y[i];
                        for (int f = 0; f < FEATURES; f++) {
                            grad[f] += 2 * err * x[i * FEATURES + f] / BATCH;
                        }
                        grad[FEATURES] += 2 * err / BATCH;
                    }
                    for (int j = 0; j <= FEATURES; j++) {
                        p[rank][j] -= LR * grad[j];
                    }
                }
                if (average && ++steps % AVERAGE_EVERY == 0) {
                    for (int j = 0; j <= FEATURES; j++) {
                        p[0][j] = p[1][j] = (p[0][j] + p[1][j]) / 2;
                    }
                }
            }
        }
        return p;
    }

    /** The linear layer's weights then its bias, whatever order the block lists them in. */
    private static double[] weightsAndBias(ModelState s) {
        double[] out = new double[FEATURES + 1];
        for (NamedArray a : s.arrays()) {
            float[] v = a.values();
            if (v.length == FEATURES) {
                for (int f = 0; f < FEATURES; f++) {
                    out[f] = v[f];
                }
            } else {
                out[FEATURES] = v[0];
            }
        }
        return out;
    }
}
