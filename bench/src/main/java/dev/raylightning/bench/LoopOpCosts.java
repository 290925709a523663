package dev.raylightning.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.raylightning.core.engine.GradientTape;
import dev.raylightning.core.engine.ModelParameters;
import dev.raylightning.examples.FashionMnistClassifier;

import java.util.Locale;

/**
 * Microseconds per call of the per-step operations our trainer's loop does on top of a bare
 * DJL loop, measured in isolation on the example MLP: reading the loss back, seeding backward,
 * opening gradient handles for the strategy, per-step sub-managers. Backs the profile notes in
 * docs/benchmarks.md; run with the same thread flags as {@link TrainerOverheadBench}.
 */
public final class LoopOpCosts {

    private static final int CALLS = 20_000;

    private LoopOpCosts() {}

    public static void main(String[] args) {
        try (FashionMnistClassifier m = new FashionMnistClassifier(FashionMnistClassifier.Architecture.MLP, 128, 1e-3)) {
            ModelParameters params = m.parameters();
            NDManager manager = m.manager();
            try (NDManager step = manager.newSubManager(); GradientTape tape = new GradientTape()) {
                // One backward pass so that every parameter has a gradient to open.
                NDArray x = step.randomUniform(0, 1, new Shape(64, 1, 28, 28));
                tape.backward(m.forward(x).sum());
            }
            NDArray scalar = manager.create(1.5f);
            for (int rep = 0; rep < 3; rep++) { // the first repetition warms the JIT up
                System.out.printf(Locale.ROOT, "repetition %d%n", rep);
                time("loss.getFloat() on a scalar", () -> scalar.getFloat());
                time("loss.onesLike() + close (backward seed)", () -> scalar.onesLike().close());
                time("openGradients() + close, 4 parameters", () -> params.openGradients().forEach(NDArray::close));
                time("newSubManager() + close", () -> manager.newSubManager().close());
                time("GradientTape open + close", () -> new GradientTape().close());
            }
        }
    }

    private static void time(String what, Runnable op) {
        for (int i = 0; i < CALLS; i++) {
            op.run();
        }
        long start = System.nanoTime();
        for (int i = 0; i < CALLS; i++) {
            op.run();
        }
        System.out.printf(Locale.ROOT, "  %-44s %7.2f us%n", what, (System.nanoTime() - start) / 1e3 / CALLS);
    }
}
