package dev.raylightning.core.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.checkpoint.NamedArray;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ModelParametersTest {

    /** Every gradient's values, read through fresh handles. */
    private static float[][] gradients(ModelParameters params) {
        List<NDArray> grads = params.openGradients();
        try {
            float[][] out = new float[grads.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = grads.get(i).toFloatArray();
            }
            return out;
        } finally {
            grads.forEach(NDArray::close);
        }
    }

    /** Writes {@code value} into every gradient in place, as a reduction does. */
    private static void fill(ModelParameters params, float value) {
        List<NDArray> grads = params.openGradients();
        try {
            for (NDArray g : grads) {
                g.subi(g).addi(value);
            }
        } finally {
            grads.forEach(NDArray::close);
        }
    }

    @Test
    void definedGradientsAreZeroAndKeepWhatIsWrittenIntoThem() {
        try (TinyClassifier m = new TinyClassifier()) {
            m.block();
            ModelParameters params = m.parameters();
            float[] weightBefore = params.trainable().get(0).getArray().toFloatArray();
            // before any backward torch has no gradient: what is written into the handle is lost
            fill(params, 3f);
            assertEquals(0f, gradients(params)[0][0], "an undefined gradient kept a write");

            params.defineGradients();
            for (float[] g : gradients(params)) {
                for (float v : g) {
                    assertEquals(0f, v);
                }
            }
            fill(params, 3f);
            for (float[] g : gradients(params)) {
                assertEquals(3f, g[0], "a defined gradient keeps what a reduction writes");
            }
            params.defineGradients();
            assertEquals(3f, gradients(params)[0][0], "defined gradients are left as they are");
            assertArrayEquals(weightBefore, params.trainable().get(0).getArray().toFloatArray());
        }
    }

    @Test
    void writesInPlaceOnlyWhereTheWritesReachTheTensor() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray dense = manager.zeros(new Shape(2, 3));
            ModelParameters.writeInPlace(dense, new float[] {1, 2, 3, 4, 5, 6});
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, dense.toFloatArray());
            NDArray transposed = dense.transpose();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelParameters.writeInPlace(transposed, new float[] {0, 0, 0, 0, 0, 0}));
            assertTrue(e.getMessage().contains("not a dense float32 CPU tensor"), e.getMessage());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, dense.toFloatArray(), "a refused write changes nothing");
        }
    }

    @Test
    void aStateThatCannotBeWrittenIntoEveryParameterChangesNone() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray first = manager.zeros(new Shape(2, 2));
            NDArray second = manager.zeros(new Shape(3, 2)).transpose(); // no view of its own storage
            ai.djl.nn.SequentialBlock block = new ai.djl.nn.SequentialBlock();
            block.add(new ParameterHolder(first, second));
            ModelParameters params = ModelParameters.of(block);
            ModelState state = new ModelState(List.of(
                    new NamedArray(params.names().get(0), new long[] {2, 2}, new float[] {1, 2, 3, 4}),
                    new NamedArray(params.names().get(1), new long[] {2, 3}, new float[] {5, 6, 7, 8, 9, 10})));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> state.restoreInto(params));
            assertTrue(e.getMessage().contains("not a dense float32 CPU tensor"), e.getMessage());
            assertArrayEquals(new float[4], first.toFloatArray(), "the first parameter was written before the refusal");
        }
    }

    /** A block holding two given arrays as its parameters. */
    private static final class ParameterHolder extends ai.djl.nn.AbstractBlock {
        ParameterHolder(NDArray a, NDArray b) {
            addParameter(Parameter.builder().setName("a").setType(Parameter.Type.WEIGHT).optArray(a).build());
            addParameter(Parameter.builder().setName("b").setType(Parameter.Type.WEIGHT).optArray(b).build());
        }

        @Override
        protected ai.djl.ndarray.NDList forwardInternal(ai.djl.training.ParameterStore store,
                ai.djl.ndarray.NDList inputs, boolean training, ai.djl.util.PairList<String, Object> params) {
            return inputs;
        }

        @Override
        public ai.djl.ndarray.types.Shape[] getOutputShapes(ai.djl.ndarray.types.Shape[] inputShapes) {
            return inputShapes;
        }
    }
}
