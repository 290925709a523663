package dev.raylightning.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.raylightning.core.data.RandomSampler;

/**
 * The baseline: the training loop a DJL user writes by hand for the 784-128-10 MLP, with DJL's
 * own {@link Trainer}, {@link GradientCollector} and Adam, and no framework around it.
 *
 * <p>Batches come from the same Java arrays and the same seeded permutation as the data
 * loader's: each step copies the rows of the shuffled index into one float array, creates the
 * NDArrays in a per-step sub-manager and closes it after the update. The loss is not read back
 * per step (a bare loop has no reason to), only once at the end.
 */
public final class DjlBaselineLoop {

    private DjlBaselineLoop() {}

    /** The same network as {@code FashionMnistClassifier}'s MLP with 128 hidden units. */
    static SequentialBlock mlp() {
        return new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(128).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(10).build());
    }

    /**
     * Trains a fresh model for {@code spec.totalSteps()} steps, timing the last {@code spec.steps()}
     * with {@code clock}, which also takes turns with the other parties of its ring.
     */
    static Measurement run(TrainData data, RunSpec spec, int round, TurnClock clock) {
        Engine.getInstance().setRandomSeed((int) spec.seed());
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(adam);
        try (Model model = Model.newInstance("mlp-baseline")) {
            model.setBlock(mlp());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, 1, 28, 28));
                return loop(trainer, data, spec, round, clock);
            }
        }
    }

    private static Measurement loop(Trainer trainer, TrainData data, RunSpec spec, int round, TurnClock clock) {
        PhaseTimer phases = clock.phases();
        int bs = spec.batchSize();
        int batchesPerEpoch = data.size() / bs; // drop the ragged last batch, as the trainer's loader does
        RandomSampler sampler = new RandomSampler(data.size(), spec.seed());
        float[] pixels = data.pixels();
        long[] labels = data.labels();
        Shape xShape = new Shape(bs, 1, 28, 28);
        int[] order = null;
        float lastLoss = Float.NaN;
        clock.begin();
        for (int step = 0; step < spec.totalSteps(); step++) {
            int b = step % batchesPerEpoch;
            if (b == 0) {
                sampler.setEpoch(step / batchesPerEpoch);
                order = sampler.indices();
            }
            try (NDManager stepManager = trainer.getManager().newSubManager()) {
                float[] x = new float[bs * TrainData.PIXELS];
                long[] y = new long[bs];
                for (int i = 0; i < bs; i++) {
                    int row = order[b * bs + i];
                    System.arraycopy(pixels, row * TrainData.PIXELS, x, i * TrainData.PIXELS, TrainData.PIXELS);
                    y[i] = labels[row];
                }
                NDList inputs = new NDList(stepManager.create(x, xShape));
                NDList targets = new NDList(stepManager.create(y));
                phases.mark(Phase.BATCH);
                NDArray loss;
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDList predictions = trainer.forward(inputs);
                    loss = trainer.getLoss().evaluate(targets, predictions);
                    phases.mark(Phase.FORWARD);
                    gc.backward(loss);
                    phases.mark(Phase.BACKWARD);
                }
                trainer.step();
                phases.mark(Phase.OPTIMIZER);
                if (step == spec.totalSteps() - 1) {
                    lastLoss = loss.getFloat();
                }
            }
            clock.afterStep(step + 1);
        }
        return new Measurement(Variant.DJL_BASELINE, spec, round, clock.seconds(), lastLoss, clock.phaseMicrosPerStep());
    }
}
