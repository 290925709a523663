package dev.raylightning.core.strategy;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerConfig;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.checkpoint.NamedArray;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The hooks a sharded strategy stands on: updating owned parameters only, clipping by a norm over ranks. */
class StrategyHooksTest {

    @TempDir
    Path root;

    private Trainer.Builder trainer() {
        return Fixtures.quietTrainer(root).maxEpochs(1).logger(false).enableCheckpointing(false).limitTrainBatches(3);
    }

    /** One process that steps only the first trainable parameter, as a rank owning it would. */
    static final class FirstParameterOnly extends IdentityCollectivesStrategy {
        private static final long serialVersionUID = 1L;

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public void optimizerStep(OptimizerStep step) {
            step.update(new int[] {0});
        }
    }

    @Test
    void anOptimizerStepCanUpdateOnlyTheParametersARankOwns() {
        try (TinyClassifier m = new TinyClassifier()) {
            ModelState before = m.stateDict();
            trainer().strategy(new FirstParameterOnly()).build().fit(m, Fixtures.blobs(64, 16, 16));
            List<NamedArray> after = m.stateDict().arrays();
            assertFalse(Arrays.equals(before.arrays().get(0).values(), after.get(0).values()), "the owned parameter moved");
            for (int i = 1; i < after.size(); i++) {
                assertArrayEquals(before.arrays().get(i).values(), after.get(i).values(), after.get(i).name() + " stayed");
            }
            for (NDArray g : m.parameters().openGradients()) {
                try (g) {
                    assertEquals(0f, g.abs().sum().getFloat(), "every gradient is zeroed after the step");
                }
            }
        }
    }

    /** Pretends each rank holds a quarter of the gradients: the clipping norm sums four equal parts. */
    static final class FourEqualShards extends IdentityCollectivesStrategy {
        private static final long serialVersionUID = 1L;
        static final List<double[]> NORMS = new ArrayList<>();

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public void optimizerStep(OptimizerStep step) {
            List<NDArray> grads = step.openGradients();
            try {
                double before = norm(grads);
                step.clipGradients(grads, local -> 4 * local);
                NORMS.add(new double[] {before, norm(grads)});
            } finally {
                grads.forEach(NDArray::close);
            }
            step.update(new int[] {0, 1, 2, 3});
        }

        private static double norm(List<NDArray> grads) {
            double s = 0;
            for (NDArray g : grads) {
                s += g.square().sum().getFloat();
            }
            return Math.sqrt(s);
        }
    }

    @Test
    void clippingByNormUsesTheNormSummedAcrossRanks() {
        FourEqualShards.NORMS.clear();
        double clip = 1e-3;
        try (TinyClassifier m = new TinyClassifier()) {
            trainer().gradientClipVal(clip).gradientClipAlgorithm(TrainerConfig.ClipAlgorithm.NORM)
                    .strategy(new FourEqualShards()).build().fit(m, Fixtures.blobs(64, 16, 16));
        }
        assertEquals(3, FourEqualShards.NORMS.size());
        for (double[] n : FourEqualShards.NORMS) {
            // the global norm is twice this rank's, so this rank's part is scaled to clip / 2
            assertTrue(n[0] > clip, "gradients were above the limit: " + n[0]);
            assertEquals(clip / 2, n[1], clip * 1e-3, "after clipping");
        }
    }
}
