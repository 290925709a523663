package dev.raylightning.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.loss.Loss;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.metrics.LogOptions;
import dev.raylightning.core.optim.OptimizerConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Fashion-MNIST classifier of the examples: an MLP (784-128-10 by default) or a small CNN
 * (two 3x3 convolutions with pooling), trained with Adam. Logs {@code ptl/train_loss},
 * {@code ptl/val_loss}, {@code ptl/val_accuracy}, {@code test_loss} and {@code test_accuracy}.
 */
public final class FashionMnistClassifier extends LightningModule {

    private static final long serialVersionUID = 1L;

    /** Which network to build. */
    public enum Architecture { MLP, CNN }

    private final Architecture architecture;
    private final int hidden;
    private final double lr;

    public FashionMnistClassifier(Architecture architecture, int hidden, double lr) {
        if (hidden < 1) {
            throw new IllegalArgumentException("hidden must be >= 1, got " + hidden);
        }
        this.architecture = architecture;
        this.hidden = hidden;
        this.lr = lr;
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("architecture", architecture.name());
        h.put("hidden", hidden);
        h.put("lr", lr);
        saveHyperparameters(h);
    }

    /** Rebuilds from saved hyper-parameters (used by {@code loadFromCheckpoint}). */
    public static FashionMnistClassifier fromHparams(Map<String, Object> h) {
        return new FashionMnistClassifier(Architecture.valueOf((String) h.get("architecture")),
                ((Number) h.get("hidden")).intValue(), ((Number) h.get("lr")).doubleValue());
    }

    @Override
    protected Block configureBlock() {
        if (architecture == Architecture.MLP) {
            return new SequentialBlock()
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(hidden).build())
                    .add(Activation::relu)
                    .add(Linear.builder().setUnits(10).build());
        }
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(16).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(32).build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    @Override
    protected Shape[] inputShapes() {
        return new Shape[] {new Shape(1, 1, 28, 28)};
    }

    @Override
    public OptimizerConfig configureOptimizers() {
        return OptimizerConfig.adam(lr);
    }

    private static NDArray crossEntropy(Batch batch, NDArray logits) {
        return Loss.softmaxCrossEntropyLoss().evaluate(batch.labels(), new NDList(logits));
    }

    private static double accuracy(Batch batch, NDArray logits) {
        NDArray predicted = logits.argMax(1);
        return predicted.eq(batch.label()).sum().getLong() / (double) batch.size();
    }

    @Override
    public NDArray trainingStep(Batch batch, int batchIdx) {
        NDArray loss = crossEntropy(batch, forward(batch.input()));
        log("ptl/train_loss", loss, LogOptions.progressBar());
        return loss;
    }

    @Override
    public void validationStep(Batch batch, int batchIdx) {
        NDArray logits = forward(batch.input());
        log("ptl/val_loss", crossEntropy(batch, logits), LogOptions.progressBar().syncDist(true));
        log("ptl/val_accuracy", accuracy(batch, logits), LogOptions.progressBar().syncDist(true));
    }

    @Override
    public void testStep(Batch batch, int batchIdx) {
        NDArray logits = forward(batch.input());
        log("test_loss", crossEntropy(batch, logits), LogOptions.defaults().syncDist(true));
        log("test_accuracy", accuracy(batch, logits), LogOptions.defaults().syncDist(true));
    }

    @Override
    public NDList predictStep(Batch batch, int batchIdx) {
        return new NDList(forward(batch.input()).argMax(1));
    }
}
