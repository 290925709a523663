package dev.raylightning.core.strategy;

import dev.raylightning.core.RunRequest;
import dev.raylightning.core.RunResult;
import dev.raylightning.core.callbacks.ProgressEvent;

import java.util.function.Consumer;

/**
 * Where the processes of a run come from, Lightning's {@code _Launcher}. A launcher ships the
 * request (module and data recipes, trainer configuration, initial weights) to its workers,
 * which run it with {@code Trainer.runWorker}, and returns global rank zero's result; the driver's
 * trainer then restores that result into its own module and callbacks.
 */
public interface Launcher {

    /**
     * Runs the request on the launcher's workers and returns rank zero's result. Rank zero's
     * {@link ProgressEvent}s go to {@code progress}, on the calling thread, while the run lasts.
     */
    RunResult launch(RunRequest request, Consumer<ProgressEvent> progress);

    /** Whether it works from JShell or a notebook (launchers that re-run a script do not). */
    default boolean isInteractiveCompatible() {
        return true;
    }
}
