package dev.raylightning.core.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A block's parameters in block order. Block order is the only order that agrees between JVMs:
 * DJL's parameter ids are random per process.
 */
public final class ModelParameters {

    private final List<String> names;
    private final List<Parameter> parameters;
    private final List<Parameter> trainable;

    private ModelParameters(List<String> names, List<Parameter> parameters) {
        this.names = Collections.unmodifiableList(names);
        this.parameters = Collections.unmodifiableList(parameters);
        List<Parameter> t = new ArrayList<>();
        for (Parameter p : parameters) {
            if (p.requiresGradient()) {
                t.add(p);
            }
        }
        this.trainable = Collections.unmodifiableList(t);
    }

    /** Reads the parameters of an initialised block. */
    public static ModelParameters of(Block block) {
        List<String> names = new ArrayList<>();
        List<Parameter> params = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            names.add(p.getKey());
            params.add(p.getValue());
        }
        return new ModelParameters(names, params);
    }

    public List<String> names() {
        return names;
    }

    public List<Parameter> parameters() {
        return parameters;
    }

    public int size() {
        return parameters.size();
    }

    /** Number of scalar elements over all parameters. */
    public long elementCount() {
        long n = 0;
        for (Parameter p : parameters) {
            n += p.getArray().size();
        }
        return n;
    }

    /** The parameters that are trained (have gradients), in block order. */
    public List<Parameter> trainable() {
        return trainable;
    }

    /**
     * Opens a handle on each trainable parameter's gradient, in block order. The caller closes
     * every handle (they are fresh native references, not the gradients themselves).
     */
    public List<NDArray> openGradients() {
        List<NDArray> grads = new ArrayList<>();
        for (Parameter p : trainable()) {
            grads.add(p.getArray().getGradient());
        }
        return grads;
    }

    /**
     * Gives every trainable parameter a gradient of its own, zero where no backward pass has
     * reached it yet: torch leaves such a gradient undefined, and DJL then hands out a detached
     * zero array, so an all-reduce into it would be lost. A rank whose first steps are joined
     * steps calls this before reducing.
     */
    public void defineGradients() {
        List<NDArray> undefined = new ArrayList<>();
        for (Parameter p : trainable) {
            PtNDArray g = JniUtils.getGradient((PtNDArray) p.getArray());
            if (g == null) {
                undefined.add(p.getArray());
            } else {
                g.close();
            }
        }
        if (undefined.isEmpty()) {
            return;
        }
        try (NDManager scratch = undefined.get(0).getManager().newSubManager();
                GradientTape tape = new GradientTape()) {
            NDArray zero = null;
            for (NDArray w : undefined) {
                // d(0 * w)/dw is exactly zero: defines the gradient without changing it
                NDArray scaled = w.mul(0);
                scaled.attach(scratch);
                NDArray term = scaled.sum();
                zero = zero == null ? term : zero.add(term);
            }
            tape.backward(zero);
        }
    }

    /** Zeroes every trainable parameter's gradient in place. */
    public void zeroGradients() {
        for (Parameter p : trainable()) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
    }

    /** Copies a parameter's values out as floats. */
    public static float[] read(NDArray array) {
        return array.toFloatArray();
    }

    /**
     * Overwrites an array's values in place through a direct view of its own storage.
     * {@code NDArray.set} would repoint the tensor at a Java buffer, which the GC may free. An
     * array without such a view (not a dense float32 CPU tensor) is refused: writes to a copy would
     * be lost.
     */
    public static void writeInPlace(NDArray array, float[] values) {
        writableView(array, values.length).put(0, values);
    }

    /**
     * A view of {@code array}'s own storage that writes go through, after checking that it holds
     * {@code length} values; an {@link IllegalArgumentException} otherwise, or where the tensor
     * has no such view (see {@link #writeInPlace}).
     */
    public static FloatBuffer writableView(NDArray array, int length) {
        if (array.size() != length) {
            throw new IllegalArgumentException(
                    "size mismatch: array has " + array.size() + " values, got " + length);
        }
        return TensorViews.of(array).orElseThrow(() -> new IllegalArgumentException(
                "cannot write in place: " + array.getDataType() + " " + array.getShape() + " on "
                        + array.getDevice() + " is not a dense float32 CPU tensor"));
    }
}
