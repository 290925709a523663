package dev.raylightning.core.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * torch.distributed's process group, over direct float buffers. Every rank calls the same
 * collectives in the same order. Buffers are reduced in place between their position and limit,
 * so a buffer can be a zero-copy view of a native tensor.
 */
public interface ProcessGroup extends AutoCloseable {

    int rank();

    int size();

    /** Reduces {@code buffer} across ranks; every rank ends with the result. */
    void allReduce(FloatBuffer buffer, ReduceOp op);

    /**
     * Reduces {@code input} (size * n floats) across ranks and leaves rank r's n-float chunk of
     * the result in {@code output}.
     */
    void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op);

    /** Concatenates every rank's {@code input} (n floats) in rank order into {@code output}. */
    void allGather(FloatBuffer input, FloatBuffer output);

    /** Copies {@code root}'s buffer into every rank's buffer. */
    void broadcast(FloatBuffer buffer, int root);

    /** Reduces into {@code root}'s buffer; other ranks' buffers are unspecified afterwards. */
    void reduce(FloatBuffer buffer, ReduceOp op, int root);

    /**
     * {@link #allReduce(FloatBuffer, ReduceOp)} over native-order float bytes, e.g. a direct view
     * of a tensor. Backends that write sockets from byte buffers override it to save a copy.
     */
    default void allReduce(ByteBuffer floats, ReduceOp op) {
        allReduce(floats.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer(), op);
    }

    /** {@link #broadcast(FloatBuffer, int)} over native-order float bytes. */
    default void broadcast(ByteBuffer floats, int root) {
        broadcast(floats.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer(), root);
    }

    /** Returns once every rank has entered the barrier. */
    void barrier();

    @Override
    void close();
}
