package dev.raylightning.core;

import java.util.Optional;

/** A snapshot of what a trainer is doing: status, entry point and stage. */
public record TrainerState(TrainerStatus status, Optional<TrainerFn> fn, Optional<RunningStage> stage) {

    /** Whether a run is in progress. */
    public boolean running() {
        return status == TrainerStatus.RUNNING;
    }
}
