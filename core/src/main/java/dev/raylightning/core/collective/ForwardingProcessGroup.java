package dev.raylightning.core.collective;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * A process group that hands every call to another one, in the manner of Guava's forwarding
 * collections: a wrapper overrides only the calls it changes.
 */
public abstract class ForwardingProcessGroup implements ProcessGroup {

    private final ProcessGroup delegate;

    protected ForwardingProcessGroup(ProcessGroup delegate) {
        this.delegate = delegate;
    }

    /** The group every call goes to unless overridden. */
    protected final ProcessGroup delegate() {
        return delegate;
    }

    @Override
    public int rank() {
        return delegate.rank();
    }

    @Override
    public int size() {
        return delegate.size();
    }

    @Override
    public void allReduce(FloatBuffer buffer, ReduceOp op) {
        delegate.allReduce(buffer, op);
    }

    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op) {
        delegate.allReduce(floats, op);
    }

    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op, WireFormat wire) {
        delegate.allReduce(floats, op, wire);
    }

    @Override
    public boolean allReduceParts(ByteBuffer[] parts, ReduceOp op) {
        return delegate().allReduceParts(parts, op);
    }

    @Override
    public boolean reduceScatterParts(ByteBuffer[] inputs, ByteBuffer output, ReduceOp op) {
        return delegate().reduceScatterParts(inputs, output, op);
    }

    @Override
    public boolean allGatherParts(ByteBuffer input, ByteBuffer[] outputs) {
        return delegate().allGatherParts(input, outputs);
    }

    @Override
    public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
        delegate.reduceScatter(input, output, op);
    }

    @Override
    public void reduceScatter(ByteBuffer input, ByteBuffer output, ReduceOp op) {
        delegate.reduceScatter(input, output, op);
    }

    @Override
    public void allGather(FloatBuffer input, FloatBuffer output) {
        delegate.allGather(input, output);
    }

    @Override
    public void allGather(ByteBuffer input, ByteBuffer output) {
        delegate.allGather(input, output);
    }

    @Override
    public void broadcast(FloatBuffer buffer, int root) {
        delegate.broadcast(buffer, root);
    }

    @Override
    public void broadcast(ByteBuffer floats, int root) {
        delegate.broadcast(floats, root);
    }

    @Override
    public void reduce(FloatBuffer buffer, ReduceOp op, int root) {
        delegate.reduce(buffer, op, root);
    }

    @Override
    public void reduce(ByteBuffer floats, ReduceOp op, int root) {
        delegate.reduce(floats, op, root);
    }

    @Override
    public void barrier() {
        delegate.barrier();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
