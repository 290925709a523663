package dev.raylightning.core.data;

/** A fresh permutation per epoch, derived from a seed and the epoch number. */
public final class RandomSampler implements Sampler {

    private static final long serialVersionUID = 1L;

    private final int size;
    private final long seed;
    private int epoch;

    public RandomSampler(int size, long seed) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        this.size = size;
        this.seed = seed;
    }

    @Override
    public int[] indices() {
        return Shuffle.permutation(size, seed, epoch);
    }

    @Override
    public int length() {
        return size;
    }

    @Override
    public void setEpoch(int epoch) {
        this.epoch = epoch;
    }
}
