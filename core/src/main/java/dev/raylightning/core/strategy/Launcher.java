package dev.raylightning.core.strategy;

import dev.raylightning.core.progress.ProgressEvent;

import java.io.Serializable;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where the processes of a run come from, Lightning's {@code _Launcher}. A launcher knows
 * processes and transport, nothing about training: it ships a {@link RankTask} to every rank,
 * gives each its rank strategy, streams global rank zero's {@link ProgressEvent}s back, and
 * returns every rank's result. The trainer builds the task (its worker-side run) and restores
 * rank zero's result on the driver.
 */
public interface Launcher {

    /**
     * Runs {@code task} on every rank and returns their results in rank order. Rank zero's
     * events go to {@code progress}, on the calling thread, while the run lasts. A failing rank
     * ends the launch with an exception that names it; every process and reservation the launch
     * made is released on every path.
     */
    <R extends Serializable> List<R> launch(RankTask<R> task, Consumer<ProgressEvent> progress);

    /**
     * Whether a new launch can get past {@code failure} of a launch: a process died, a node went
     * away, a collective timed out. User code that threw is not recoverable (it would throw again).
     */
    default boolean isRecoverable(RuntimeException failure) {
        return false;
    }

    /** Whether it works from JShell or a notebook (launchers that re-run a script do not). */
    default boolean isInteractiveCompatible() {
        return true;
    }
}
