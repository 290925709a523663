package dev.raylightning.bench;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.callbacks.TrainerView;

/**
 * Connects our trainer's loop to a {@link TurnClock}: the first turn is awaited when training
 * starts (after {@code fit}'s set-up), every step's end reports the global step, so turns,
 * timing and baton passing happen between steps exactly as in the baseline loop. Also marks
 * the {@link Phase}s at the matching hooks. Used in-process only (single device).
 */
final class TurnCallback implements Callback {

    private static final long serialVersionUID = 1L;

    private final transient TurnClock clock;
    private double lastLoss = Double.NaN;

    TurnCallback(TurnClock clock) {
        this.clock = clock;
    }

    @Override
    public void onTrainStart(TrainerView trainer, LightningModule module) {
        clock.begin();
    }

    @Override
    public void onTrainBatchStart(TrainerView trainer, LightningModule module, Batch batch, int batchIdx) {
        clock.phases().mark(Phase.BATCH);
    }

    @Override
    public void onBeforeBackward(TrainerView trainer, LightningModule module, NDArray loss) {
        clock.phases().mark(Phase.FORWARD);
    }

    @Override
    public void onBeforeOptimizerStep(TrainerView trainer, LightningModule module) {
        clock.phases().mark(Phase.BACKWARD);
    }

    @Override
    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int batchIdx) {
        clock.phases().mark(Phase.OPTIMIZER);
        lastLoss = loss;
        clock.afterStep(trainer.globalStep());
    }

    double lastLoss() {
        return lastLoss;
    }
}
