package dev.raylightning.core.loops;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.data.Batch;

import java.util.List;
import java.util.function.Consumer;

/**
 * The one place hooks are called, Lightning's {@code trainer/call.py}: every hook runs on the
 * callbacks first, in their order, then on the module. The full order of a run is written
 * down in {@code docs/hooks.md}, which a test checks against a recorded run. The hooks of every
 * training step have their own methods, so the step allocates nothing to call them.
 */
final class Hooks {

    private final Callback[] callbacks;

    Hooks(List<Callback> callbacks) {
        this.callbacks = callbacks.toArray(new Callback[0]);
    }

    /** Runs a hook on every callback, then on the module. */
    void call(Consumer<Callback> onCallback, Runnable onModule) {
        callbacks(onCallback);
        onModule.run();
    }

    /** Runs a hook the module does not have (sanity check) on every callback. */
    void callbacks(Consumer<Callback> onCallback) {
        for (Callback c : callbacks) {
            onCallback.accept(c);
        }
    }

    /** Runs the exception hook on every callback; their own failures are added to {@code error}. */
    void onException(Consumer<Callback> onCallback, Throwable error) {
        for (Callback c : callbacks) {
            try {
                onCallback.accept(c);
            } catch (RuntimeException suppressed) {
                error.addSuppressed(suppressed);
            }
        }
    }

    void onTrainBatchStart(TrainerView t, LightningModule m, Batch batch, int idx) {
        for (Callback c : callbacks) {
            c.onTrainBatchStart(t, m, batch, idx);
        }
        m.onTrainBatchStart(batch, idx);
    }

    void onBeforeBackward(TrainerView t, LightningModule m, NDArray loss) {
        for (Callback c : callbacks) {
            c.onBeforeBackward(t, m, loss);
        }
        m.onBeforeBackward(loss);
    }

    void onAfterBackward(TrainerView t, LightningModule m) {
        for (Callback c : callbacks) {
            c.onAfterBackward(t, m);
        }
        m.onAfterBackward();
    }

    void onBeforeOptimizerStep(TrainerView t, LightningModule m) {
        for (Callback c : callbacks) {
            c.onBeforeOptimizerStep(t, m);
        }
        m.onBeforeOptimizerStep();
    }

    void onTrainBatchEnd(TrainerView t, LightningModule m, double loss, Batch batch, int idx) {
        for (Callback c : callbacks) {
            c.onTrainBatchEnd(t, m, loss, batch, idx);
        }
        m.onTrainBatchEnd(loss, batch, idx);
    }
}
