package dev.raylightning.strategies;

import dev.raylightning.strategies.cluster.RayRuntime;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The notebook case: a module class defined inline in a JShell session, where no jar holds it,
 * trains on two Ray workers. Its bytecode must travel with the request.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JShellTest {

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    private static String eval(JShell js, String code) {
        List<SnippetEvent> events = js.eval(code);
        StringBuilder values = new StringBuilder();
        for (SnippetEvent e : events) {
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
    void moduleDefinedInJShellTrainsOnTwoWorkers() {
        try (JShell js = JShell.builder().executionEngine("local").build()) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                js.addToClasspath(entry);
            }
            for (var p : dev.raylightning.strategies.cluster.RayRuntimeAccess.codeSearchPath()) {
                js.addToClasspath(p.toString());
            }
            eval(js, "import ai.djl.ndarray.*; import ai.djl.ndarray.types.*; import ai.djl.nn.*; import ai.djl.nn.core.*;");
            eval(js, "import ai.djl.training.loss.Loss; import dev.raylightning.core.*; import dev.raylightning.core.data.*;");
            eval(js, "import dev.raylightning.strategies.*; import dev.raylightning.core.testing.Fixtures;");
            eval(js, """
                    class Inline extends LightningModule {
                        protected Block configureBlock() {
                            return new SequentialBlock().add(Linear.builder().setUnits(4).build());
                        }
                        protected Shape[] inputShapes() { return new Shape[] {new Shape(1, 8)}; }
                        public NDArray trainingStep(Batch b, int i) {
                            NDArray loss = Loss.softmaxCrossEntropyLoss().evaluate(b.labels(), new NDList(forward(b.input())));
                            log("train_loss", loss, dev.raylightning.core.metrics.LogOptions.defaults().syncDist(true));
                            return loss;
                        }
                    }
                    """);
            eval(js, "var t = Trainer.builder().maxEpochs(2).logger(false).enableCheckpointing(false)"
                    + ".enableProgressBar(false).strategy(new RayDdpStrategy(2, 1, false)).build();");
            eval(js, "var m = new Inline();");
            eval(js, "t.fit(m, Fixtures.blobs(128, 32, 16));");
            assertEquals("FINISHED", eval(js, "t.status().toString()").replace("\"", ""));
            assertEquals("8", eval(js, "t.globalStep()"));
            String loss = eval(js, "t.callbackMetrics().get(\"train_loss\")");
            assertTrue(Double.parseDouble(loss) < 5, loss);
        }
    }
}
