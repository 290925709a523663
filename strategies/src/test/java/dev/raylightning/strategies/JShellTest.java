package dev.raylightning.strategies;

import dev.raylightning.core.testing.JShellSession;
import dev.raylightning.strategies.cluster.RayRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

    @Test
    void moduleDefinedInJShellTrainsOnTwoWorkers() {
        try (JShellSession js = JShellSession.open()) {
            for (var p : dev.raylightning.strategies.cluster.RayRuntimeAccess.codeSearchPath()) {
                js.addToClasspath(p.toString());
            }
            js.eval("import ai.djl.ndarray.*; import ai.djl.ndarray.types.*; import ai.djl.nn.*; import ai.djl.nn.core.*;");
            js.eval("import ai.djl.training.loss.Loss; import dev.raylightning.core.*; import dev.raylightning.core.data.*;");
            js.eval("import dev.raylightning.strategies.*; import dev.raylightning.core.testing.Fixtures;");
            js.eval("""
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
            js.eval("var t = Trainer.builder().maxEpochs(2).logger(false).enableCheckpointing(false)"
                    + ".enableProgressBar(false).strategy(new RayDdpStrategy(2, 1, false)).build();");
            js.eval("var m = new Inline();");
            js.eval("t.fit(m, Fixtures.blobs(128, 32, 16));");
            assertEquals("FINISHED", js.eval("t.status().toString()").replace("\"", ""));
            assertEquals("8", js.eval("t.globalStep()"));
            String loss = js.eval("t.callbackMetrics().get(\"train_loss\")");
            assertTrue(Double.parseDouble(loss) < 5, loss);
        }
    }
}
