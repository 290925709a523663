package dev.raylightning.tune.execution;

import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TuneOptions;
import dev.raylightning.tune.results.ExperimentDirectory;
import dev.raylightning.tune.results.ExperimentState;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes {@code experiment_state.json}: at once for what must survive a crash (a trial started,
 * ended or failed), at most once a second for the rest (new results).
 */
final class ExperimentStateSaver {

    private static final long SAVE_INTERVAL_MILLIS = 1_000;

    private final ExperimentDirectory dir;
    private final TuneOptions options;
    private final Supplier<List<TrialSnapshot>> trials;
    private long lastSaveMillis;
    private boolean dirty;

    ExperimentStateSaver(ExperimentDirectory dir, TuneOptions options, Supplier<List<TrialSnapshot>> trials) {
        this.dir = dir;
        this.options = options;
        this.trials = trials;
    }

    /** Something changed that the next save should hold. */
    void changed() {
        dirty = true;
    }

    /** Saves when something changed and a second has passed since the last save. */
    void saveIfDue() {
        if (dirty && System.currentTimeMillis() - lastSaveMillis >= SAVE_INTERVAL_MILLIS) {
            saveNow();
        }
    }

    void saveNow() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("seed", String.valueOf(options.seed()));
        settings.put("num_samples", String.valueOf(options.numSamples()));
        settings.put("resources_per_trial", options.resourcesPerTrial().toString());
        settings.put("scheduler", options.scheduler().describe());
        dir.saveState(new ExperimentState(options.name(), options.metric().orElse(null), options.mode().orElse(null),
                trials.get(), settings));
        lastSaveMillis = System.currentTimeMillis();
        dirty = false;
    }
}
