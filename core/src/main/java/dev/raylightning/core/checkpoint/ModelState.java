package dev.raylightning.core.checkpoint;

import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.raylightning.core.engine.ModelParameters;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A module's weights as plain Java data, torch's {@code state_dict}: every parameter (trained or
 * not, e.g. batch-norm statistics) by name, in block order.
 */
public record ModelState(List<NamedArray> arrays) implements Serializable {

    public ModelState {
        arrays = Collections.unmodifiableList(new ArrayList<>(arrays));
    }

    /** Copies the current values of the parameters out of native memory. */
    public static ModelState capture(ModelParameters params) {
        List<NamedArray> out = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.parameters().get(i);
            if (p.getArray().getDataType() != DataType.FLOAT32) {
                throw new IllegalStateException("parameter " + params.names().get(i) + " is "
                        + p.getArray().getDataType() + "; only float32 parameters are supported");
            }
            out.add(new NamedArray(params.names().get(i), p.getArray().getShape().getShape(),
                    ModelParameters.read(p.getArray())));
        }
        return new ModelState(out);
    }

    /**
     * Writes these values into the parameters. Names and shapes, and that every parameter can be
     * written in place, are all checked first, so a refusal changes nothing.
     */
    public void restoreInto(ModelParameters params) {
        checkFits(params);
        FloatBuffer[] views = new FloatBuffer[arrays.size()];
        for (int i = 0; i < views.length; i++) {
            views[i] = ModelParameters.writableView(params.parameters().get(i).getArray(),
                    arrays.get(i).values().length);
        }
        for (int i = 0; i < views.length; i++) {
            views[i].put(0, arrays.get(i).values());
        }
    }

    /** Refuses, with an {@link IllegalArgumentException}, values whose names or shapes differ from the parameters'. */
    public void checkFits(ModelParameters params) {
        if (params.size() != arrays.size()) {
            throw new IllegalArgumentException("state has " + arrays.size() + " parameters, the module has "
                    + params.size() + " (" + params.names() + ")");
        }
        for (int i = 0; i < arrays.size(); i++) {
            NamedArray a = arrays.get(i);
            String name = params.names().get(i);
            long[] shape = params.parameters().get(i).getArray().getShape().getShape();
            if (!a.name().equals(name) || !Arrays.equals(a.shape(), shape)) {
                throw new IllegalArgumentException("parameter " + i + " mismatch: state has " + a.name()
                        + Arrays.toString(a.shape()) + ", the module has " + name + Arrays.toString(shape));
            }
        }
    }

    /** Total number of values. */
    public long elementCount() {
        long n = 0;
        for (NamedArray a : arrays) {
            n += a.values().length;
        }
        return n;
    }
}
