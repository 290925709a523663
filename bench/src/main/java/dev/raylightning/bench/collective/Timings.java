package dev.raylightning.bench.collective;

import java.util.Arrays;
import java.util.Locale;

/** Per-iteration seconds of one measurement, summarized as one JSON line. */
final class Timings {

    private final double[] seconds;
    private final double[] cpu;
    private int n;

    Timings(int capacity) {
        seconds = new double[capacity];
        cpu = new double[capacity];
    }

    void add(long nanos) {
        add(nanos, -1);
    }

    /** Wall time and, if known (else -1), the CPU time the measuring thread spent. */
    void add(long nanos, long cpuNanos) {
        cpu[n] = cpuNanos / 1e9;
        seconds[n++] = nanos / 1e9;
    }

    static double percentile(double[] sorted, double q) {
        int i = (int) Math.round(q * (sorted.length - 1));
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /**
     * {@code busbw} scales bytes per second by the algorithm's traffic factor (2(N-1)/N for
     * all-reduce, 1 for a plain transfer), so that every row compares to link bandwidth.
     */
    String json(String impl, int round, long bytes, int ranks, double busFactor) {
        double[] s = Arrays.copyOf(seconds, n);
        Arrays.sort(s);
        double median = percentile(s, 0.5);
        double[] c = Arrays.copyOf(cpu, n);
        Arrays.sort(c);
        return String.format(Locale.ROOT,
                "{\"impl\":\"%s\",\"round\":%d,\"bytes\":%d,\"ranks\":%d,\"iters\":%d,\"median_s\":%.6g,"
                        + "\"p10_s\":%.6g,\"p90_s\":%.6g,\"busbw_gbps\":%.4f,\"cpu_s\":%.6g}",
                impl, round, bytes, ranks, n, median, percentile(s, 0.1), percentile(s, 0.9),
                busFactor * bytes / median / 1e9, percentile(c, 0.5));
    }
}
