package dev.raylightning.bench.ddp;

import com.google.gson.JsonObject;
import dev.raylightning.bench.JsonLines;
import dev.raylightning.core.Trainer;
import dev.raylightning.examples.FashionMnistClassifier;

/**
 * Time from {@code trainer.fit} to the first training step on rank zero, with RayDdpStrategy(2)
 * on the MLP: "cold" is the JVM's first fit (it starts the private Ray cluster), "warm" any later
 * one (cluster up; new worker actors, as every fit starts its own). The milestones in between
 * ({@link FirstStepProbe}) show where the time goes.
 */
final class FirstStepRun {

    private final RunSettings settings;

    FirstStepRun(RunSettings settings) {
        this.settings = settings;
    }

    JsonObject run(String kind, int round, int steps) {
        FirstStepProbe probe = new FirstStepProbe();
        Trainer trainer = settings.trainer(steps, DdpVariant.RAY2.strategy(), probe);
        long fitCall;
        long fitReturn;
        try (FashionMnistClassifier m = RunSettings.model("mlp")) {
            fitCall = System.currentTimeMillis();
            trainer.fit(m, settings.data(RunVariant.DEFAULT_PREFETCH));
            fitReturn = System.currentTimeMillis();
        }
        double t0 = fitCall;
        JsonObject o = new JsonObject();
        o.addProperty("framework", "ray-lightning-java");
        o.addProperty("mode", "java-ray2-first-step");
        o.addProperty("kind", kind);
        o.addProperty("model", "mlp");
        o.addProperty("batch_size", settings.batchSize());
        o.addProperty("world_size", 2);
        o.addProperty("round", round);
        o.addProperty("steps", steps);
        o.addProperty("fit_to_first_step_s", JsonLines.seconds(t0, probe.milestone("first_batch_start_ms")));
        // milestones of rank zero's worker, from the fit call
        o.addProperty("fit_to_process_start_s", JsonLines.seconds(t0, probe.milestone("process_start_ms")));
        o.addProperty("fit_to_jvm_start_s", JsonLines.seconds(t0, probe.milestone("jvm_start_ms")));
        o.addProperty("fit_to_init_hook_s", JsonLines.seconds(t0, probe.milestone("init_hook_ms")));
        o.addProperty("fit_to_setup_s", JsonLines.seconds(t0, probe.milestone("setup_ms")));
        o.addProperty("fit_to_fit_start_s", JsonLines.seconds(t0, probe.milestone("fit_start_ms")));
        o.addProperty("fit_seconds", JsonLines.seconds(t0, fitReturn));
        return o;
    }
}
