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
        allReduce(floats(floats), op);
    }

    /**
     * All-reduces several buffers of native-order floats (between their positions and limits) in
     * place as if they were one laid end to end, e.g. direct views of a bucket of gradient tensors;
     * true when done. A group that would only copy them into one buffer of its own returns false
     * without touching them, so that the caller stages them through a buffer it keeps (the default).
     */
    default boolean allReduceParts(ByteBuffer[] parts, ReduceOp op) {
        return false;
    }

    /** {@link #broadcast(FloatBuffer, int)} over native-order float bytes. */
    default void broadcast(ByteBuffer floats, int root) {
        broadcast(floats(floats), root);
    }

    /**
     * {@link #reduceScatter(FloatBuffer, FloatBuffer, ReduceOp)} over native-order float bytes,
     * e.g. direct views of tensors: no staging copies in backends that override it.
     */
    default void reduceScatter(ByteBuffer input, ByteBuffer output, ReduceOp op) {
        reduceScatter(floats(input), floats(output), op);
    }

    /** {@link #allGather(FloatBuffer, FloatBuffer)} over native-order float bytes. */
    default void allGather(ByteBuffer input, ByteBuffer output) {
        allGather(floats(input), floats(output));
    }

    /**
     * {@link #reduceScatter(ByteBuffer, ByteBuffer, ReduceOp)} whose input is several buffers of
     * native-order floats laid end to end (a bucket of gradient views, say), read in place; true
     * when done. Like {@link #allReduceParts}, false leaves everything untouched for the caller
     * to stage (the default).
     */
    default boolean reduceScatterParts(ByteBuffer[] inputs, ByteBuffer output, ReduceOp op) {
        return false;
    }

    /**
     * {@link #allGather(ByteBuffer, ByteBuffer)} whose output is several buffers laid end to end
     * (a bucket of weight views, say), written in place; true when done, false (the default) with
     * nothing written.
     */
    default boolean allGatherParts(ByteBuffer input, ByteBuffer[] outputs) {
        return false;
    }

    /** {@link #reduce(FloatBuffer, ReduceOp, int)} over native-order float bytes. */
    default void reduce(ByteBuffer floats, ReduceOp op, int root) {
        reduce(floats(floats), op, root);
    }

    /**
     * All-reduce with a 16-bit wire format, for gradient compression: every rank's input is
     * rounded to {@code wire}, sums are accumulated in float32, whatever travels between ranks
     * (partial sums on a ring, the inputs in the default) is in {@code wire}, and every rank ends
     * with the same result, bit for bit: the final sum (for AVG divided by the size in float32)
     * as {@code wire} represents it, stored back as float32 into {@code floats} (native-order
     * floats between position and limit). {@link WireFormat#FLOAT32} is
     * {@link #allReduce(ByteBuffer, ReduceOp)}. Only SUM and AVG: anything else is an
     * {@link IllegalArgumentException}. FLOAT16 sums from 65520 up become infinite. The default
     * gathers every rank's encoding ({@link WireReduce#viaAllGather}, which says what it moves);
     * a ring overrides it to move half the bytes of a float32 all-reduce.
     */
    default void allReduce(ByteBuffer floats, ReduceOp op, WireFormat wire) {
        WireReduce.viaAllGather(this, floats, op, wire);
    }

    /** A float view of {@code bytes} between its position and limit; the view writes through. */
    private static FloatBuffer floats(ByteBuffer bytes) {
        return bytes.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** Returns once every rank has entered the barrier. */
    void barrier();

    @Override
    void close();
}
