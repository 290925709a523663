package dev.raylightning.core.loops;

import dev.raylightning.core.callbacks.Callback;

import java.util.List;
import java.util.function.Consumer;

/**
 * The one place hooks are called, Lightning's {@code trainer/call.py}: every hook runs on the
 * callbacks first, in their order, then on the module. The full order of a run is written
 * down in {@code docs/hooks.md}, which a test checks against a recorded run.
 */
final class Hooks {

    private final List<Callback> callbacks;

    Hooks(List<Callback> callbacks) {
        this.callbacks = callbacks;
    }

    /** Runs a hook on every callback, then on the module. */
    void call(Consumer<Callback> onCallback, Runnable onModule) {
        for (Callback c : callbacks) {
            onCallback.accept(c);
        }
        onModule.run();
    }

    /** Runs a hook the module does not have (sanity check, driver messages) on every callback. */
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
}
