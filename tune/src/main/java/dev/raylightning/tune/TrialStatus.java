package dev.raylightning.tune;

/** A trial's state, named as in Ray Tune. */
public enum TrialStatus {
    /** Waiting for resources (or for its turn under the concurrency limit). */
    PENDING,
    /** Its placement group is reserved and its training function runs. */
    RUNNING,
    /** Finished normally, or stopped early by a scheduler or stop criterion. */
    TERMINATED,
    /** Its training function threw (after any retries). */
    ERROR;

    /** Whether the trial will not run again in this experiment. */
    public boolean isFinished() {
        return this == TERMINATED || this == ERROR;
    }
}
