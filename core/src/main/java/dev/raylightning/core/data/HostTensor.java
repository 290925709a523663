package dev.raylightning.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A tensor held in Java memory, float32 or int64. Data loaders build batches of these on
 * background threads; they become {@link NDArray}s only on the training thread.
 */
public final class HostTensor implements Serializable {

    private static final long serialVersionUID = 1L;

    private final long[] shape;
    private final float[] floats;
    private final long[] longs;

    private HostTensor(long[] shape, float[] floats, long[] longs) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        long have = floats != null ? floats.length : longs.length;
        if (n != have) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + n + " values, got " + have);
        }
        this.shape = shape.clone();
        this.floats = floats;
        this.longs = longs;
    }

    /** A float32 tensor over {@code data} (not copied). */
    public static HostTensor ofFloats(float[] data, long... shape) {
        return new HostTensor(shape, data, null);
    }

    /** An int64 tensor over {@code data} (not copied). */
    public static HostTensor ofLongs(long[] data, long... shape) {
        return new HostTensor(shape, null, data);
    }

    public long[] shape() {
        return shape.clone();
    }

    /** Size of the first dimension. */
    public int rows() {
        return shape.length == 0 ? 1 : Math.toIntExact(shape[0]);
    }

    /** Elements per row (product of all but the first dimension). */
    public int rowSize() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return Math.toIntExact(n);
    }

    public boolean isFloat() {
        return floats != null;
    }

    /** The backing float array (not a copy); throws for int64 tensors. */
    public float[] floats() {
        if (floats == null) {
            throw new IllegalStateException("tensor holds int64 values");
        }
        return floats;
    }

    /** The backing long array (not a copy); throws for float32 tensors. */
    public long[] longs() {
        if (longs == null) {
            throw new IllegalStateException("tensor holds float32 values");
        }
        return longs;
    }

    /** Gathers the given rows into a new tensor whose first dimension is {@code rows.length}. */
    public HostTensor gatherRows(int[] rows) {
        int width = rowSize();
        long[] outShape = shape.clone();
        outShape[0] = rows.length;
        if (floats != null) {
            float[] out = new float[rows.length * width];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(floats, rows[i] * width, out, i * width, width);
            }
            return ofFloats(out, outShape);
        }
        long[] out = new long[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(longs, rows[i] * width, out, i * width, width);
        }
        return ofLongs(out, outShape);
    }

    /** Stacks same-shaped tensors along a new first dimension. */
    public static HostTensor stack(HostTensor[] parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("nothing to stack");
        }
        long[] inner = parts[0].shape;
        long[] outShape = new long[inner.length + 1];
        outShape[0] = parts.length;
        System.arraycopy(inner, 0, outShape, 1, inner.length);
        int width = Math.toIntExact(parts[0].floats != null ? parts[0].floats.length : parts[0].longs.length);
        for (HostTensor p : parts) {
            if (!Arrays.equals(p.shape, inner) || p.isFloat() != parts[0].isFloat()) {
                throw new IllegalArgumentException(
                        "cannot stack tensors of shapes " + Arrays.toString(inner) + " and " + Arrays.toString(p.shape));
            }
        }
        if (parts[0].isFloat()) {
            float[] out = new float[parts.length * width];
            for (int i = 0; i < parts.length; i++) {
                System.arraycopy(parts[i].floats, 0, out, i * width, width);
            }
            return ofFloats(out, outShape);
        }
        long[] out = new long[parts.length * width];
        for (int i = 0; i < parts.length; i++) {
            System.arraycopy(parts[i].longs, 0, out, i * width, width);
        }
        return ofLongs(out, outShape);
    }

    /** Copies this tensor into native memory owned by {@code manager}. */
    public NDArray toNDArray(NDManager manager) {
        Shape s = new Shape(shape);
        return floats != null ? manager.create(floats, s) : manager.create(longs, s);
    }

    @Override
    public String toString() {
        return "HostTensor" + Arrays.toString(shape) + (floats != null ? " float32" : " int64");
    }
}
