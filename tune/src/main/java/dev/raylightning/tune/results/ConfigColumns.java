package dev.raylightning.tune.results;

import dev.raylightning.tune.TrialConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/** A config's leaves as flat columns named {@code config/<dotted key>}, as in Ray's result tables. */
final class ConfigColumns {

    static final String PREFIX = "config/";

    private ConfigColumns() {
    }

    static Map<String, Object> of(TrialConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        config.flatten().forEach((key, value) -> out.put(PREFIX + key, value));
        return out;
    }
}
