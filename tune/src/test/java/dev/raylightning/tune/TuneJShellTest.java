package dev.raylightning.tune;

import dev.raylightning.strategies.cluster.RayRuntime;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
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

    private static String eval(JShell js, String code) {
        StringBuilder values = new StringBuilder();
        for (SnippetEvent e : js.eval(code)) {
            if (e.exception() != null) {
                throw new AssertionError("snippet threw: " + code, e.exception());
            }
            if (e.status() == Snippet.Status.REJECTED) {
                String diags = js.diagnostics(e.snippet())
                        .map(d -> d.getMessage(java.util.Locale.ROOT)).reduce("", (a, b) -> a + "\n" + b);
                fail("snippet rejected: " + code + diags);
            }
            if (e.value() != null) {
                values.append(e.value());
            }
        }
        return values.toString();
    }

    @Test
    void aLambdaWrittenInJShellRunsAsTheTrainingFunction() {
        try (JShell js = JShell.builder().executionEngine("local").build()) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                js.addToClasspath(entry);
            }
            eval(js, "import dev.raylightning.tune.*; import dev.raylightning.tune.search.SearchSpace; import java.util.*;");
            eval(js, "double square(double x) { return x * x; }");
            eval(js, "Trainable fn = (config, trial) -> { for (int i = 1; i <= 3; i++) "
                    + "trial.report(Map.of(\"y\", square(config.getDouble(\"x\")) * i)); };");
            eval(js, "var analysis = Tune.run(fn, TuneOptions.builder().config(Map.of(\"x\", SearchSpace.gridSearch(1.0, 3.0)))"
                    + ".metric(\"y\").mode(Mode.MAX).verbose(TuneOptions.SILENT)"
                    + ".storagePath(java.nio.file.Path.of(\"" + storage.toString().replace("\\", "\\\\") + "\"))"
                    + ".name(\"jshell\").resourcesPerTrial(TuneResources.headOnly(1)).build());");
            assertEquals("2", eval(js, "analysis.count(TrialStatus.TERMINATED)"));
            assertEquals("3.0", eval(js, "analysis.bestConfig().get().getDouble(\"x\")"));
            assertEquals("27.0", eval(js, "analysis.bestResult().get().metrics().get(\"y\")"));
        }
    }
}
