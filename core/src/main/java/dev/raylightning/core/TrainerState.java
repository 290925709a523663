package dev.raylightning.core;

import java.util.Optional;

/**
 * A snapshot of what a trainer is doing: status, entry point and stage, and why the last fit
 * stopped before its limits when something asked it to (early stopping, {@code requestStop}).
 */
public record TrainerState(TrainerStatus status, Optional<TrainerFn> fn, Optional<RunningStage> stage,
        Optional<String> stopReason) {

    /** A state without a stop reason. */
    public TrainerState(TrainerStatus status, Optional<TrainerFn> fn, Optional<RunningStage> stage) {
        this(status, fn, stage, Optional.empty());
    }

    /** Whether a run is in progress. */
    public boolean running() {
        return status == TrainerStatus.RUNNING;
    }
}
