package dev.raylightning.core.data;

/** Yields {@code 0 .. n-1} in order. */
public final class SequentialSampler implements Sampler {

    private static final long serialVersionUID = 1L;

    private final int size;

    public SequentialSampler(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        this.size = size;
    }

    @Override
    public int[] indices() {
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            out[i] = i;
        }
        return out;
    }

    @Override
    public int length() {
        return size;
    }
}
