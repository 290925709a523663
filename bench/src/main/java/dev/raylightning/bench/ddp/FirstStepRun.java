package dev.raylightning.bench.ddp;

import com.google.gson.JsonObject;
import dev.raylightning.bench.JsonLines;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.examples.FashionMnistDataModule;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.RayStrategyBuilder;
import dev.raylightning.strategies.launcher.WorkerPool;

import java.time.Duration;
import java.util.Optional;

/**
 * Time from {@code trainer.fit} to the first training step on rank zero, with RayDdpStrategy(2)
 * on the MLP: "cold" is the JVM's first fit (it starts the private Ray cluster), "warm" a later
 * one on new worker JVMs ({@code workerIdleTimeout(ZERO)}), "reused" a later one on the worker
 * JVMs the previous fit left warm (the default). The milestones in between
 * ({@link FirstStepProbe}) show where the time goes. {@link #validateAfterFit} times a
 * {@code validate} call on the workers a fit left warm.
 */
final class FirstStepRun {

    private final RunSettings settings;

    FirstStepRun(RunSettings settings) {
        this.settings = settings;
    }

    /** @param kind "cold" or "reused" (default idle timeout), or "warm" (new workers) */
    JsonObject run(String kind, int round, int steps) {
        FirstStepProbe probe = new FirstStepProbe();
        Duration idle = kind.equals("warm") ? Duration.ZERO : RayStrategyBuilder.DEFAULT_WORKER_IDLE_TIMEOUT;
        FirstEpochPhases phases = new FirstEpochPhases();
        Trainer trainer = settings.trainer(steps, Optional.of(strategy(idle)), probe, phases);
        boolean warmWorkers = WorkerPool.idleGroups() > 0;
        long fitCall;
        long fitReturn;
        try (LightningModule m = RunSettings.model("mlp")) {
            fitCall = System.currentTimeMillis();
            trainer.fit(m, settings.data(RunVariant.DEFAULT_PREFETCH));
            fitReturn = System.currentTimeMillis();
        }
        JsonObject o = result(kind, round, steps, probe, fitCall, fitReturn);
        o.addProperty("warm_workers_were_idle", warmWorkers);
        JsonObject byGroup = new JsonObject();
        phases.groups().forEach((k, v) -> byGroup.addProperty(k, String.valueOf(v)));
        o.add("phases_ms_by_steps", byGroup);
        return o;
    }

    /** A fit, then a timed {@code validate} on the workers it left warm. */
    JsonObject validateAfterFit(int round, int steps) {
        FirstStepProbe probe = new FirstStepProbe();
        Trainer trainer = settings.trainer(steps, Optional.of(strategy(RayStrategyBuilder.DEFAULT_WORKER_IDLE_TIMEOUT)),
                probe);
        long call;
        long ret;
        // the example's data module: 5,000 training images held out for validation
        FashionMnistDataModule data = new FashionMnistDataModule(settings.dataDir(), settings.batchSize());
        try (LightningModule m = RunSettings.model("mlp")) {
            trainer.fit(m, data);
            call = System.currentTimeMillis();
            trainer.validate(m, data);
            ret = System.currentTimeMillis();
        }
        JsonObject o = new JsonObject();
        o.addProperty("framework", "ray-lightning-java");
        o.addProperty("mode", "java-ray2-validate-after-fit");
        o.addProperty("round", round);
        o.addProperty("validate_to_validation_start_s", JsonLines.seconds(call, probe.milestone("validation_start_ms")));
        o.addProperty("validate_seconds", JsonLines.seconds(call, ret));
        return o;
    }

    private static RayDdpStrategy strategy(Duration idle) {
        return RayDdpStrategy.builder(2).cpusPerWorker(1).initHook(new InitHookStamp()).workerIdleTimeout(idle).build();
    }

    private JsonObject result(String kind, int round, int steps, FirstStepProbe probe, long fitCall, long fitReturn) {
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
        // from the end of the last step on rank zero to fit's return on the driver: the fit's tail
        o.addProperty("train_end_to_fit_end_s",
                JsonLines.seconds(probe.milestone("train_end_ms"), probe.milestone("fit_end_ms")));
        o.addProperty("fit_end_to_return_s", JsonLines.seconds(probe.milestone("fit_end_ms"), fitReturn));
        // the rest of the fit after its first step: JIT and allocator warm-up show here on new workers
        double first = probe.milestone("first_batch_start_ms");
        JsonObject ends = new JsonObject();
        probe.stepEnds().forEach((n, ms) -> ends.addProperty(Long.toString(n), JsonLines.seconds(first, ms)));
        o.add("step_end_after_first_step_s", ends);
        if (first > 0 && steps > 1) {
            o.addProperty("samples_per_s_after_first_step",
                    JsonLines.round((steps - 1) * 2.0 * settings.batchSize() / ((fitReturn - first) / 1000.0), 1));
        }
        return o;
    }
}
