package dev.raylightning.core;

/** Lifecycle of a trainer call, Lightning's {@code TrainerStatus}. */
public enum TrainerStatus {
    INITIALIZING, RUNNING, FINISHED, INTERRUPTED
}
