package dev.raylightning.bench;

import java.util.Arrays;
import java.util.List;

/** Median, minimum and maximum of a few repetitions; medians resist the odd noisy round. */
public record Stats(int n, double median, double min, double max) {

    public static Stats of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        int mid = v.length / 2;
        double median = v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
        return new Stats(v.length, median, v[0], v[v.length - 1]);
    }
}
