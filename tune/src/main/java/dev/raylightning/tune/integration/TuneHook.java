package dev.raylightning.tune.integration;

import java.util.Locale;

/** The Lightning hook a Tune callback reports on (Ray Tune's {@code on=} argument). */
public enum TuneHook {
    VALIDATION_END, VALIDATION_EPOCH_END, TRAIN_EPOCH_END, TRAIN_END, FIT_END, TEST_END, TEST_EPOCH_END, TRAIN_BATCH_END;

    /** Parses Lightning's hook name, with or without the {@code on_} prefix: "validation_end", "on_train_epoch_end". */
    public static TuneHook of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.startsWith("on_")) {
            n = n.substring(3);
        }
        for (TuneHook h : values()) {
            if (h.name().toLowerCase(Locale.ROOT).equals(n)) {
                return h;
            }
        }
        throw new IllegalArgumentException("unknown hook '" + name + "'; one of " + java.util.Arrays.toString(values()));
    }
}
