package dev.raylightning.core.checkpoint;

import java.io.Serializable;
import java.util.Arrays;

/** One float32 tensor by name: a parameter or an optimizer buffer. */
public record NamedArray(String name, long[] shape, float[] values) implements Serializable {

    public NamedArray {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(
                    name + ": shape " + Arrays.toString(shape) + " needs " + n + " values, got " + values.length);
        }
    }
}
