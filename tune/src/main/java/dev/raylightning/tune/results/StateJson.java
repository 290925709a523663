package dev.raylightning.tune.results;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ExperimentState} to and from JSON. Doubles are written with Java's shortest exact form
 * and read back with {@link Double#parseDouble}, NaN and infinities bare, longs as integers, so a
 * state survives the round trip bit for bit (configs go through {@link TrialConfig#toJson}).
 */
final class StateJson {

    /** Bumped when the layout changes incompatibly; newer files are refused rather than misread. */
    static final int FORMAT_VERSION = 1;

    private StateJson() {
    }

    static String write(ExperimentState state) {
        JsonObject root = new JsonObject();
        root.addProperty("format_version", FORMAT_VERSION);
        root.addProperty("name", state.name());
        root.add("metric", Json.element(state.metric()));
        root.add("mode", Json.element(state.mode() == null ? null : state.mode().toString()));
        JsonObject settings = new JsonObject();
        state.settings().forEach((k, v) -> settings.add(k, Json.element(v)));
        root.add("settings", settings);
        JsonArray trials = new JsonArray();
        state.trials().forEach(t -> trials.add(trial(t)));
        root.add("trials", trials);
        return Json.PRETTY.toJson(root) + "\n";
    }

    static ExperimentState read(String text) {
        JsonObject root = Json.parse(text).getAsJsonObject();
        int version = root.has("format_version") ? root.get("format_version").getAsInt() : 0;
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("experiment state has format_version " + version
                    + "; this version reads " + FORMAT_VERSION);
        }
        String mode = string(root, "mode");
        Map<String, String> settings = new LinkedHashMap<>();
        if (root.has("settings")) {
            root.getAsJsonObject("settings").entrySet()
                    .forEach(e -> settings.put(e.getKey(), e.getValue().isJsonNull() ? null : e.getValue().getAsString()));
        }
        List<TrialSnapshot> trials = new ArrayList<>();
        root.getAsJsonArray("trials").forEach(t -> trials.add(trial(t.getAsJsonObject())));
        return new ExperimentState(string(root, "name"), string(root, "metric"),
                mode == null ? null : Mode.of(mode), trials, settings);
    }

    private static JsonObject trial(TrialSnapshot t) {
        JsonObject o = new JsonObject();
        o.addProperty("trial_id", t.trialId());
        o.addProperty("status", t.status().name());
        o.add("config", Json.parse(t.config().toJson()));
        o.add("error_message", Json.element(t.errorMessage()));
        o.addProperty("num_failures", t.numFailures());
        o.add("latest_checkpoint", Json.element(t.latestCheckpoint()));
        JsonArray results = new JsonArray();
        t.results().forEach(r -> results.add(result(r)));
        o.add("results", results);
        return o;
    }

    private static TrialSnapshot trial(JsonObject o) {
        List<TrialResult> results = new ArrayList<>();
        o.getAsJsonArray("results").forEach(r -> results.add(result(r.getAsJsonObject())));
        return new TrialSnapshot(string(o, "trial_id"), TrialConfig.fromJson(o.get("config").toString()),
                TrialStatus.valueOf(string(o, "status")), results, string(o, "error_message"),
                o.get("num_failures").getAsInt(), string(o, "latest_checkpoint"));
    }

    private static JsonObject result(TrialResult r) {
        JsonObject o = new JsonObject();
        o.addProperty("trial_id", r.trialId());
        o.addProperty(TrialResult.TRAINING_ITERATION, r.trainingIteration());
        o.addProperty(TrialResult.TIME_TOTAL_S, r.timeTotalSeconds());
        o.addProperty(TrialResult.TIME_THIS_ITER_S, r.timeThisIterSeconds());
        o.addProperty(TrialResult.TIMESTAMP, r.timestamp());
        JsonObject metrics = new JsonObject();
        r.metrics().forEach((k, v) -> metrics.add(k, Json.element(v)));
        o.add("metrics", metrics);
        o.add("checkpoint", Json.element(r.checkpoint()));
        return o;
    }

    private static TrialResult result(JsonObject o) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        o.getAsJsonObject("metrics").entrySet().forEach(e -> metrics.put(e.getKey(), number(e.getValue())));
        return new TrialResult(string(o, "trial_id"), o.get(TrialResult.TRAINING_ITERATION).getAsLong(),
                number(o.get(TrialResult.TIME_TOTAL_S)), number(o.get(TrialResult.TIME_THIS_ITER_S)),
                o.get(TrialResult.TIMESTAMP).getAsLong(), metrics, string(o, "checkpoint"));
    }

    /** A double, including NaN and infinities, which the lenient reader hands over as bare words. */
    private static Double number(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return Double.parseDouble(p.getAsString());
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }
}
