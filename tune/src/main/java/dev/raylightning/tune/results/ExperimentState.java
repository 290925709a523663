package dev.raylightning.tune.results;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialSnapshot;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an experiment needs to resume, and what {@link ExperimentAnalysis#load} reads: stored as
 * {@code experiment_state.json} by {@link ExperimentDirectory#saveState}.
 *
 * @param name the experiment's name (its directory's name)
 * @param metric the metric passed to {@code Tune.run}, or null
 * @param mode the mode passed to {@code Tune.run}, or null
 * @param trials every trial with all its results and its status, in creation order
 * @param settings free-form settings the controller wants back on resume (searcher state, counters...)
 */
public record ExperimentState(String name, String metric, Mode mode, List<TrialSnapshot> trials,
        Map<String, String> settings) {

    public ExperimentState {
        Objects.requireNonNull(name, "name");
        trials = List.copyOf(trials);
        // Kept in order and allowed to hold null values, which Map.copyOf would refuse.
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings == null ? Map.of() : settings));
    }
}
