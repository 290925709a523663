package dev.raylightning.core;

import java.io.Serializable;

/**
 * Lightning's batch-count arguments ({@code limit_train_batches}, {@code val_check_interval}):
 * either a number of batches or a fraction of the loader.
 */
public record BatchLimit(int count, double fraction) implements Serializable {

    /** All batches. */
    public static final BatchLimit ALL = new BatchLimit(-1, 1.0);

    /** At most {@code n} batches. */
    public static BatchLimit batches(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("batch count must be >= 0, got " + n);
        }
        return new BatchLimit(n, Double.NaN);
    }

    /** A fraction in [0, 1] of the loader's batches. */
    public static BatchLimit fraction(double f) {
        if (!(f >= 0 && f <= 1)) {
            throw new IllegalArgumentException("fraction must be in [0, 1], got " + f);
        }
        return new BatchLimit(-1, f);
    }

    /** Number of batches out of {@code available}; a positive fraction yields at least one. */
    public int resolve(int available) {
        if (count >= 0) {
            return Math.min(count, available);
        }
        if (fraction == 0 || available == 0) {
            return 0;
        }
        return Math.max(1, (int) Math.floor(available * fraction));
    }

    @Override
    public String toString() {
        return count >= 0 ? count + " batches" : fraction + " of batches";
    }
}
