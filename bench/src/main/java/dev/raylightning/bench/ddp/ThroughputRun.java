package dev.raylightning.bench.ddp;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.raylightning.bench.JsonLines;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One throughput fit: {@code warmup + steps} optimizer steps of a fresh model; global samples/s
 * over the steady-state window of rank zero (all ranks step in lock-step through the
 * all-reduce), plus the per-phase profile of rank zero and, from its dump file, of rank one.
 */
final class ThroughputRun {

    private final RunSettings settings;
    private final Path dumpDir;

    ThroughputRun(RunSettings settings, Path dumpDir) {
        this.settings = settings;
        this.dumpDir = dumpDir;
    }

    JsonObject run(RunVariant v, String model, int round, int warmup, int steps) {
        String tag = v.mode() + "-" + model + "-r" + round + "-" + System.nanoTime();
        StepClock clock = new StepClock(warmup, warmup + steps, v.syncProbe(), dumpDir, tag);
        Trainer trainer = settings.trainer(warmup + steps, v.base().strategy(), clock);
        long t0 = System.nanoTime();
        try (LightningModule m = RunSettings.model(model)) {
            trainer.fit(m, settings.data(v.prefetch()));
        }
        double fitSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> s = clock.summary();
        int world = v.base().worldSize();
        double seconds = number(s, "seconds");
        double timed = number(s, "steps");
        JsonObject o = new JsonObject();
        o.addProperty("framework", "ray-lightning-java");
        o.addProperty("mode", v.mode());
        o.addProperty("model", model);
        o.addProperty("batch_size", settings.batchSize());
        o.addProperty("world_size", world);
        o.addProperty("round", round);
        o.addProperty("warmup", warmup);
        o.addProperty("steps", (long) timed);
        o.addProperty("seconds", JsonLines.round(seconds, 6));
        o.addProperty("steps_per_s", JsonLines.round(timed / seconds, 3));
        o.addProperty("samples_per_s", JsonLines.round(timed * settings.batchSize() * world / seconds, 1));
        o.addProperty("fit_seconds", JsonLines.round(fitSeconds, 3));
        o.addProperty("prefetch", v.prefetch());
        copy(s, o, "");
        rankOne(tag, world).ifPresent(r1 -> copy(r1, o, "r1_"));
        return o;
    }

    /** Rank one's summary from its dump file (two-worker runs on this node). */
    private java.util.Optional<Map<String, Object>> rankOne(String tag, int world) {
        Path f = dumpDir.resolve(tag + "-rank1.json");
        if (world < 2 || !Files.isRegularFile(f)) {
            return java.util.Optional.empty();
        }
        try {
            JsonObject j = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            j.entrySet().forEach(e -> m.put(e.getKey(), e.getValue().isJsonNull() ? Double.NaN
                    : e.getValue().getAsDouble()));
            return java.util.Optional.of(m);
        } catch (IOException | RuntimeException e) {
            System.err.println("[ddp-bench] could not read " + f + ": " + e);
            return java.util.Optional.empty();
        }
    }

    /** The profile fields (not the ones this line already has at top level), rounded. */
    private static void copy(Map<String, Object> from, JsonObject to, String prefix) {
        for (Map.Entry<String, Object> e : from.entrySet()) {
            String k = e.getKey();
            if (prefix.isEmpty() && (k.equals("steps") || k.equals("seconds") || k.equals("world_size"))) {
                continue;
            }
            if (e.getValue() instanceof Number n) {
                to.addProperty(prefix + k, JsonLines.round(n.doubleValue(), 3));
            }
        }
    }

    private static double number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalStateException("the step clock reported no " + key + " (did the run reach its window?): " + m);
        }
        return n.doubleValue();
    }
}
