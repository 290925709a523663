package dev.raylightning.core.collective;

import java.nio.FloatBuffer;

/** The trivial group of one rank: every collective leaves the data as it is. */
public final class SingleProcessGroup implements ProcessGroup {

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public void allReduce(FloatBuffer buffer, ReduceOp op) {}

    @Override
    public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
        output.duplicate().put(input.duplicate());
    }

    @Override
    public void allGather(FloatBuffer input, FloatBuffer output) {
        output.duplicate().put(input.duplicate());
    }

    @Override
    public void broadcast(FloatBuffer buffer, int root) {
        requireRoot(root);
    }

    @Override
    public void reduce(FloatBuffer buffer, ReduceOp op, int root) {
        requireRoot(root);
    }

    private static void requireRoot(int root) {
        if (root != 0) {
            throw new IllegalArgumentException("root must be 0 in a group of one, got " + root);
        }
    }

    @Override
    public void barrier() {}

    @Override
    public void close() {}
}
