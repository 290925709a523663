package dev.raylightning.core;

/** Which entry point a trainer runs, Lightning's {@code TrainerFn}. */
public enum TrainerFn {
    FITTING, VALIDATING, TESTING, PREDICTING;

    /** Lightning's stage name: fit, validate, test, predict. */
    public String stage() {
        return switch (this) {
            case FITTING -> "fit";
            case VALIDATING -> "validate";
            case TESTING -> "test";
            case PREDICTING -> "predict";
        };
    }
}
