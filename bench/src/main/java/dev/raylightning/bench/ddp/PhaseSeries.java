package dev.raylightning.bench.ddp;

import java.util.Arrays;

/** Durations of one phase, one per timed step, in nanoseconds; summarised as median, mean and p90. */
final class PhaseSeries {

    private long[] values = new long[1024];
    private int n;

    void add(long nanos) {
        if (n == values.length) {
            values = Arrays.copyOf(values, n * 2);
        }
        values[n++] = nanos;
    }

    int size() {
        return n;
    }

    /** Microseconds: the median step. */
    double medianMicros() {
        return percentileMicros(0.5);
    }

    /** Microseconds: the mean step (a few slow steps move it, the median not). */
    double meanMicros() {
        if (n == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += values[i];
        }
        return sum / n / 1e3;
    }

    /** Microseconds at quantile {@code q} (nearest rank). */
    double percentileMicros(double q) {
        if (n == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        int idx = (int) Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
        return sorted[idx] / 1e3;
    }
}
