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

    /** Whether it works from JShell or a notebook (launchers that re-run a script do not). */
    default boolean isInteractiveCompatible() {
        return true;
    }
}
