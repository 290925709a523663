package dev.raylightning.core.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.raylightning.core.util.DirectBuffers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Optional;

/**
 * Float views on a tensor's own storage, for loops that read and write it from Java. DJL's
 * {@code toByteBuffer(true)} is such a view only for a dense CPU tensor; for any other it quietly
 * returns a view of a new copy, and writes through it are lost. {@link #of} tells them apart.
 */
public final class TensorViews {

    private TensorViews() {}

    /**
     * A native-order view on {@code array}'s own float32 storage, or empty where there is none: not
     * float32, not on the CPU, or not contiguous (two views that do not share an address were
     * copies). A non-contiguous array gets two copies from this check, freed with its manager:
     * callers ask once per array, not per step.
     */
    public static Optional<FloatBuffer> of(NDArray array) {
        if (array.getDataType() != DataType.FLOAT32 || !Device.cpu().equals(array.getDevice()) || array.isSparse()) {
            return Optional.empty();
        }
        ByteBuffer first = array.toByteBuffer(true);
        ByteBuffer second = array.toByteBuffer(true);
        return second.isDirect() ? viewAt(first, array, DirectBuffers.address(second)) : Optional.empty();
    }

    /**
     * A view on {@code array}'s storage if it is the storage at {@code address} that {@link #of}
     * accepted before (a gradient keeps its storage from step to step): one view and no second
     * one. Empty when the array's view lies elsewhere; then ask {@link #of} again.
     */
    public static Optional<FloatBuffer> at(NDArray array, long address) {
        return viewAt(array.toByteBuffer(true), array, address);
    }

    /** {@code view} as floats if it is direct, starts at {@code address} and spans the whole array. */
    private static Optional<FloatBuffer> viewAt(ByteBuffer view, NDArray array, long address) {
        if (!view.isDirect() || view.capacity() != Float.BYTES * array.size() || DirectBuffers.address(view) != address) {
            return Optional.empty();
        }
        return Optional.of(view.order(ByteOrder.nativeOrder()).asFloatBuffer());
    }
}
