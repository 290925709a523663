package dev.raylightning.strategies.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.loss.Loss;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.metrics.LogOptions;
import dev.raylightning.core.optim.OptimizerConfig;

import java.util.Map;

/** A small MLP over {@link Blobs}, logging train_loss, val_loss, val_acc, test_acc. */
public class TinyClassifier extends LightningModule {

    private static final long serialVersionUID = 1L;

    private final int hidden;
    private final double lr;
    private final String optimizer;

    public TinyClassifier(int hidden, double lr, String optimizer) {
        this.hidden = hidden;
        this.lr = lr;
        this.optimizer = optimizer;
        saveHyperparameters(Map.of("hidden", hidden, "lr", lr, "optimizer", optimizer));
    }

    public TinyClassifier() {
        this(16, 0.05, "sgd");
    }

    /** Rebuilds from saved hyper-parameters (numbers come back as doubles from JSON). */
    public static TinyClassifier fromHparams(Map<String, Object> h) {
        return new TinyClassifier(((Number) h.get("hidden")).intValue(), ((Number) h.get("lr")).doubleValue(),
                (String) h.get("optimizer"));
    }

    @Override
    protected Block configureBlock() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(Blobs.CLASSES).build());
    }

    @Override
    protected Shape[] inputShapes() {
        return new Shape[] {new Shape(1, Blobs.FEATURES)};
    }

    @Override
    public OptimizerConfig configureOptimizers() {
        return switch (optimizer) {
            case "adam" -> OptimizerConfig.adam(lr);
            case "sgd-momentum" -> OptimizerConfig.sgd(lr).momentum(0.9);
            default -> OptimizerConfig.sgd(lr);
        };
    }

    protected NDArray loss(Batch batch, NDArray logits) {
        return Loss.softmaxCrossEntropyLoss().evaluate(batch.labels(), new ai.djl.ndarray.NDList(logits));
    }

    @Override
    public NDArray trainingStep(Batch batch, int batchIdx) {
        NDArray logits = forward(batch.input());
        NDArray loss = loss(batch, logits);
        log("train_loss", loss, LogOptions.progressBar());
        return loss;
    }

    @Override
    public void validationStep(Batch batch, int batchIdx) {
        NDArray logits = forward(batch.input());
        log("val_loss", loss(batch, logits), LogOptions.progressBar());
        log("val_acc", accuracy(batch, logits), LogOptions.defaults());
    }

    @Override
    public void testStep(Batch batch, int batchIdx) {
        NDArray logits = forward(batch.input());
        log("test_loss", loss(batch, logits).getFloat());
        log("test_acc", accuracy(batch, logits));
    }

    protected static double accuracy(Batch batch, NDArray logits) {
        NDArray pred = logits.argMax(1);
        NDArray correct = pred.eq(batch.label().toType(pred.getDataType(), false));
        return correct.sum().getLong() / (double) batch.size();
    }
}
