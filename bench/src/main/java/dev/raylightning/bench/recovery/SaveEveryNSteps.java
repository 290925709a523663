package dev.raylightning.bench.recovery;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.data.Batch;

import java.nio.file.Path;

/** Saves the whole trainer state to one file every {@code n} steps (Lightning's every_n_train_steps). */
final class SaveEveryNSteps implements Callback {

    private static final long serialVersionUID = 1L;
    private final String path;
    private final long n;

    SaveEveryNSteps(Path path, long n) {
        this.path = path.toString();
        this.n = n;
    }

    @Override
    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int idx) {
        if (trainer.globalStep() % n == 0) {
            trainer.saveCheckpoint(Path.of(path));
        }
    }
}
