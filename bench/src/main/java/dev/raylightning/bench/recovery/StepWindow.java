package dev.raylightning.bench.recovery;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.data.Batch;

import java.io.Serializable;

/**
 * Times rank 0's steps from the end of step {@code warmup} to the end of the fit, on the worker,
 * and sends the driver's twin the step count and the seconds.
 */
final class StepWindow implements Callback {

    private static final long serialVersionUID = 1L;
    private final int warmup;
    private transient long startNanos;
    private transient long startStep;
    private transient long endNanos;
    private transient long endStep;
    /** On the driver: {steps, seconds} from rank 0. */
    private transient double[] measured;

    StepWindow(int warmup) {
        this.warmup = warmup;
    }

    @Override
    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int idx) {
        if (trainer.globalStep() == warmup) {
            startNanos = System.nanoTime();
            startStep = trainer.globalStep();
        }
        endNanos = System.nanoTime();
        endStep = trainer.globalStep();
    }

    @Override
    public void onTrainEnd(TrainerView trainer, LightningModule module) {
        trainer.sendToDriver(stateKey(), new double[] {endStep - startStep, (endNanos - startNanos) / 1e9});
    }

    @Override
    public void onDriverMessage(TrainerView trainer, Serializable payload) {
        measured = (double[]) payload;
    }

    /** Global samples per second in the window ({@code samplesPerStep} across ranks). */
    double samplesPerSecond(int samplesPerStep) {
        if (measured == null || measured[0] <= 0) {
            throw new IllegalStateException("the fit ended before step " + warmup + " or sent no timing");
        }
        return measured[0] * samplesPerStep / measured[1];
    }
}
