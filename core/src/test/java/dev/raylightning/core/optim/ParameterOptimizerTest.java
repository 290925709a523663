package dev.raylightning.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.raylightning.core.engine.GradientTape;
import dev.raylightning.core.engine.TensorViews;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java update loops against DJL's native kernels: the same rules, so the same weights and
 * state after several steps (to float rounding), on sizes around the loops' block size.
 */
class ParameterOptimizerTest {

    private static final long[] SIZES = {1, 1000, UpdateKernels.BLOCK, UpdateKernels.BLOCK + 1, 3 * UpdateKernels.BLOCK + 7};

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("sgd", (Supplier<OptimizerConfig>) () -> OptimizerConfig.sgd(0.1)),
                Arguments.of("sgd wd", (Supplier<OptimizerConfig>) () -> OptimizerConfig.sgd(0.1).weightDecay(0.01)),
                Arguments.of("sgd momentum wd",
                        (Supplier<OptimizerConfig>) () -> OptimizerConfig.sgd(0.05).momentum(0.9).weightDecay(1e-3)),
                Arguments.of("adam", (Supplier<OptimizerConfig>) () -> OptimizerConfig.adam(1e-2)),
                Arguments.of("adam wd", (Supplier<OptimizerConfig>) () -> OptimizerConfig.adam(1e-2).weightDecay(0.05)),
                Arguments.of("adamw wd betas",
                        (Supplier<OptimizerConfig>) () -> OptimizerConfig.adamW(3e-3).weightDecay(0.1).betas(0.8, 0.99)
                                .eps(1e-6)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void javaLoopsMatchDjlsNativeKernels(String name, Supplier<OptimizerConfig> config) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Random random = new Random(7);
            List<NDArray> javaWeights = new ArrayList<>();
            List<NDArray> nativeWeights = new ArrayList<>();
            for (long n : SIZES) {
                float[] init = gaussian(random, (int) n, 1f);
                javaWeights.add(manager.create(init));
                nativeWeights.add(manager.create(init));
            }
            try (ParameterOptimizer java = optimizer(config.get(), javaWeights, true);
                    ParameterOptimizer reference = optimizer(config.get(), nativeWeights, false)) {
                for (int step = 0; step < 6; step++) {
                    List<NDArray> grads = new ArrayList<>();
                    for (long n : SIZES) {
                        grads.add(manager.create(gaussian(random, (int) n, 0.3f)));
                    }
                    List<float[]> before = grads.stream().map(NDArray::toFloatArray).toList();
                    java.step(grads);
                    reference.step(grads);
                    for (int k = 0; k < grads.size(); k++) {
                        assertArrayEquals(before.get(k), grads.get(k).toFloatArray(), "gradients are only read");
                    }
                    grads.forEach(NDArray::close);
                }
                for (int k = 0; k < SIZES.length; k++) {
                    assertTrue(java.updatedInJava(k), "parameter " + k + " updated in Java");
                    assertFalse(reference.updatedInJava(k), "the reference stays native");
                    assertClose(nativeWeights.get(k).toFloatArray(), javaWeights.get(k).toFloatArray(),
                            name + " weight " + k);
                }
                ParameterOptimizer.State a = java.exportState();
                ParameterOptimizer.State b = reference.exportState();
                assertArrayEquals(b.updates(), a.updates());
                assertArrayEquals(b.buffersPerParameter(), a.buffersPerParameter());
                for (int k = 0; k < a.buffers().size(); k++) {
                    assertClose(b.buffers().get(k), a.buffers().get(k), name + " state buffer " + k);
                }
            }
        }
    }

    @Test
    void gradientsFromBackwardUpdateInJavaAndAreZeroedAfter() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] init = gaussian(new Random(3), 2000, 1f);
            NDArray javaWeight = manager.create(init, new Shape(40, 50));
            NDArray nativeWeight = manager.create(init, new Shape(40, 50));
            NDArray x = manager.create(gaussian(new Random(4), 50, 1f), new Shape(50, 1));
            try (ParameterOptimizer java = optimizer(OptimizerConfig.adamW(1e-2).weightDecay(0.01), List.of(javaWeight), true);
                    ParameterOptimizer reference = optimizer(OptimizerConfig.adamW(1e-2).weightDecay(0.01),
                            List.of(nativeWeight), false)) {
                for (NDArray w : List.of(javaWeight, nativeWeight)) {
                    w.setRequiresGradient(true);
                }
                for (int step = 0; step < 4; step++) {
                    backward(javaWeight, x);
                    backward(nativeWeight, x);
                    java.step();
                    reference.step();
                    try (NDArray g = javaWeight.getGradient()) {
                        assertEquals(0f, g.abs().sum().getFloat(), "the step zeroes the gradient");
                    }
                }
                assertTrue(java.updatedInJava(0));
                assertClose(nativeWeight.toFloatArray(), javaWeight.toFloatArray(), "weights after backward");
            }
        }
    }

    @Test
    void viewsOnlyWhereWritesReachTheTensor() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray dense = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
            TensorViews.of(dense).orElseThrow().put(4, 50f);
            assertEquals(50f, dense.toFloatArray()[4], "a dense view writes through");
            assertTrue(TensorViews.of(dense.transpose()).isEmpty(), "a transposed view is a copy");
            assertTrue(TensorViews.of(dense.toType(DataType.FLOAT64, false)).isEmpty(), "float64 has no float view");
            NDArray row = dense.reshape(-1).get("2:5");
            TensorViews.of(row).orElseThrow().put(0, 30f);
            assertEquals(30f, dense.toFloatArray()[2], "a contiguous slice writes through at its offset");
        }
    }

    @Test
    void aNonContiguousWeightStaysOnTheNativeKernels() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] init = gaussian(new Random(5), 12, 1f);
            NDArray base = manager.create(init, new Shape(3, 4));
            NDArray transposed = base.transpose();
            NDArray copy = manager.create(init, new Shape(3, 4)).transpose().duplicate();
            NDArray grad = manager.create(gaussian(new Random(6), 12, 1f), new Shape(4, 3));
            try (ParameterOptimizer onView = optimizer(OptimizerConfig.adam(0.1), List.of(transposed), true);
                    ParameterOptimizer onCopy = optimizer(OptimizerConfig.adam(0.1), List.of(copy), false)) {
                onView.step(List.of(grad));
                onCopy.step(List.of(grad));
                assertFalse(onView.updatedInJava(0), "a transposed weight has no view to write through");
            }
            assertFalse(java.util.Arrays.equals(init, base.toFloatArray()), "the update reached the base tensor");
            assertClose(copy.toFloatArray(), base.transpose().toFloatArray(), "the native kernel updated the view");
        }
    }

    @Test
    void aNonContiguousGradientIsReadByTheNativeKernels() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] init = gaussian(new Random(8), 12, 1f);
            NDArray weight = manager.create(init, new Shape(4, 3));
            NDArray reference = manager.create(init, new Shape(4, 3));
            NDArray gradBase = manager.create(gaussian(new Random(9), 12, 1f), new Shape(3, 4));
            NDArray grad = gradBase.transpose();
            try (ParameterOptimizer java = optimizer(OptimizerConfig.sgd(0.1).momentum(0.5), List.of(weight), true);
                    ParameterOptimizer nat = optimizer(OptimizerConfig.sgd(0.1).momentum(0.5), List.of(reference), false)) {
                for (int step = 0; step < 3; step++) {
                    java.step(List.of(grad));
                    nat.step(List.of(grad));
                }
                assertFalse(java.updatedInJava(0), "a transposed gradient has no view of its own storage");
            }
            assertClose(reference.toFloatArray(), weight.toFloatArray(), "updates with a transposed gradient");
        }
    }

    private static ParameterOptimizer optimizer(OptimizerConfig config, List<NDArray> weights, boolean fused) {
        String previous = System.getProperty(ParameterOptimizer.FUSED_PROPERTY);
        System.setProperty(ParameterOptimizer.FUSED_PROPERTY, Boolean.toString(fused));
        try {
            return new ParameterOptimizer(config, weights);
        } finally {
            if (previous == null) {
                System.clearProperty(ParameterOptimizer.FUSED_PROPERTY);
            } else {
                System.setProperty(ParameterOptimizer.FUSED_PROPERTY, previous);
            }
        }
    }

    private static void backward(NDArray weight, NDArray x) {
        try (GradientTape tape = new GradientTape(); NDArray y = weight.matMul(x); NDArray loss = y.square().sum()) {
            tape.backward(loss);
        }
    }

    private static float[] gaussian(Random random, int n, float scale) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian() * scale;
        }
        return out;
    }

    /** Within float rounding of a few steps: 1e-5 relative to the value, or 1e-6 absolute near zero. */
    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            float tolerance = Math.max(1e-6f, 1e-5f * Math.abs(expected[i]));
            assertEquals(expected[i], actual[i], tolerance, what + " at " + i);
        }
    }
}
