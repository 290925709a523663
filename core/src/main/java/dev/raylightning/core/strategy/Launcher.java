package dev.raylightning.core.strategy;

import dev.raylightning.core.RunRequest;
import dev.raylightning.core.RunResult;

/**
 * Where the processes of a run come from, Lightning's {@code _Launcher}. A launcher ships the
 * request (module and data recipes, trainer configuration, initial weights) to its workers,
 * which run it with {@code Trainer.runWorker}, and returns global rank zero's result; the driver's
 * trainer then restores that result into its own module and callbacks.
 */
public interface Launcher {

    /** Runs the request on the launcher's workers and returns rank zero's result. */
    RunResult launch(RunRequest request);

    /** Whether it works from JShell or a notebook (launchers that re-run a script do not). */
    default boolean isInteractiveCompatible() {
        return true;
    }
}
