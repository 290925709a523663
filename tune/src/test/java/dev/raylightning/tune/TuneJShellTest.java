package dev.raylightning.tune;

import dev.raylightning.core.testing.JShellSession;
import dev.raylightning.strategies.cluster.RayRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The notebook case for Tune: a training function written as a lambda in a JShell session (no
 * jar holds its class) runs in trial actors, which get its bytecode with the trial.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TuneJShellTest {

    @TempDir
    Path storage;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    @Test
    void aLambdaWrittenInJShellRunsAsTheTrainingFunction() {
        try (JShellSession js = JShellSession.open()) {
            js.eval("import dev.raylightning.tune.*; import dev.raylightning.tune.search.SearchSpace; import java.util.*;");
            js.eval("double square(double x) { return x * x; }");
            js.eval("Trainable fn = (config, trial) -> { for (int i = 1; i <= 3; i++) "
                    + "trial.report(Map.of(\"y\", square(config.getDouble(\"x\")) * i)); };");
            js.eval("var analysis = Tune.run(fn, TuneOptions.builder().config(Map.of(\"x\", SearchSpace.gridSearch(1.0, 3.0)))"
                    + ".metric(\"y\").mode(Mode.MAX).verbose(TuneOptions.SILENT)"
                    + ".storagePath(java.nio.file.Path.of(\"" + storage.toString().replace("\\", "\\\\") + "\"))"
                    + ".name(\"jshell\").resourcesPerTrial(TuneResources.headOnly(1)).build());");
            assertEquals("2", js.eval("analysis.count(TrialStatus.TERMINATED)"));
            assertEquals("3.0", js.eval("analysis.bestConfig().get().getDouble(\"x\")"));
            assertEquals("27.0", js.eval("analysis.bestResult().get().metrics().get(\"y\")"));
        }
    }
}
