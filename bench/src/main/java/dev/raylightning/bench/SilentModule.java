package dev.raylightning.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.optim.OptimizerConfig;

/**
 * A Fashion-MNIST module that calls no {@code log}, like the Python peer's module (which calls no
 * {@code self.log}): Adam 1e-3 and cross-entropy on 1x28x28 images; subclasses pick the network.
 */
public abstract class SilentModule extends LightningModule {

    private static final long serialVersionUID = 1L;

    /** Stateless, and not serializable: one per JVM, never shipped with the module to Ray workers. */
    private static final Loss LOSS = Loss.softmaxCrossEntropyLoss();

    @Override
    protected Shape[] inputShapes() {
        return new Shape[] {new Shape(1, 1, 28, 28)};
    }

    @Override
    public OptimizerConfig configureOptimizers() {
        return OptimizerConfig.adam(1e-3);
    }

    @Override
    public NDArray trainingStep(Batch batch, int batchIdx) {
        return LOSS.evaluate(batch.labels(), new NDList(forward(batch.input())));
    }
}
