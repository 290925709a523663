package dev.raylightning.core;

/** What the loop is doing right now, Lightning's {@code RunningStage}. */
public enum RunningStage {
    TRAINING, SANITY_CHECKING, VALIDATING, TESTING, PREDICTING
}
