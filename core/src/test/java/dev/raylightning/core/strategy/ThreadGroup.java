package dev.raylightning.core.strategy;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** An in-JVM collective for ranks that are threads: each rank posts its values, all see the sum. */
final class ThreadGroup {

    private final int size;
    private final CyclicBarrier barrier;
    private final double[][] slots;
    private volatile boolean aborted;

    ThreadGroup(int size) {
        this.size = size;
        this.barrier = new CyclicBarrier(size);
        this.slots = new double[size][];
    }

    int size() {
        return size;
    }

    void await() {
        if (aborted) {
            throw new IllegalStateException("a peer rank failed or stalled");
        }
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in a collective", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("a peer rank failed or stalled", e);
        }
    }

    /** Wakes every waiting rank with a failure, as a dead peer would. */
    void abort() {
        // the flag catches ranks that reach the barrier only after the reset
        aborted = true;
        barrier.reset();
    }

    private final Object[] objects = new Object[1];

    /** Rank {@code src}'s object on every rank. */
    Object broadcast(int rank, Object value, int src) {
        if (rank == src) {
            objects[0] = value;
        }
        await();
        Object out = objects[0];
        await();
        return out;
    }

    /** Element-wise sum across ranks. */
    double[] allReduceSum(int rank, double[] values) {
        slots[rank] = values.clone();
        await();
        double[] out = new double[values.length];
        for (double[] s : slots) {
            for (int i = 0; i < out.length; i++) {
                out[i] += s[i];
            }
        }
        await();
        return out;
    }

    /** Element-wise max or min across ranks. */
    double[] allReduceExtreme(int rank, double[] values, boolean max) {
        slots[rank] = values.clone();
        await();
        double[] out = slots[0].clone();
        for (double[] s : slots) {
            for (int i = 0; i < out.length; i++) {
                out[i] = max ? Math.max(out[i], s[i]) : Math.min(out[i], s[i]);
            }
        }
        await();
        return out;
    }
}
