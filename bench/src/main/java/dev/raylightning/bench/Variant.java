package dev.raylightning.bench;

import java.util.Arrays;

/** What one measurement trains with. The names are the {@code mode} field of the JSON lines. */
public enum Variant {

    /** A hand-written DJL loop: Model, DefaultTrainingConfig, DJL's Trainer and GradientCollector. */
    DJL_BASELINE("djl-baseline"),

    /** Our Trainer with the DataLoader's default prefetch (batches collated on a second thread). */
    TRAINER("trainer"),

    /** Our Trainer collating on the training thread, like the baseline and Python's num_workers=0. */
    TRAINER_NO_PREFETCH("trainer-noprefetch"),

    /** Our Trainer (default prefetch) with a module that logs nothing, like the Python peer's. */
    TRAINER_NO_LOG("trainer-nolog");

    private final String mode;

    Variant(String mode) {
        this.mode = mode;
    }

    /** The name used on the command line and in results. */
    public String mode() {
        return mode;
    }

    /** Parses a mode name as printed by {@link #mode()}. */
    public static Variant ofMode(String mode) {
        return Arrays.stream(values()).filter(v -> v.mode.equals(mode)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown variant '" + mode + "', expected one of "
                        + Arrays.toString(Arrays.stream(values()).map(Variant::mode).toArray())));
    }

    @Override
    public String toString() {
        return mode;
    }
}
