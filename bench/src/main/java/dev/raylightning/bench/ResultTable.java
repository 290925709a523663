package dev.raylightning.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Steps per second grouped by mode and batch size, in the order the measurements were taken:
 * the k-th result of a mode and batch size belongs to round k, which pairs the results of one
 * interleaved round for per-round ratios.
 */
public final class ResultTable {

    private final Map<String, Map<Integer, List<Double>>> values = new TreeMap<>();
    private final List<String> modeOrder = new ArrayList<>();

    /** Records one result. */
    public void add(String mode, int batchSize, double stepsPerSecond) {
        if (!values.containsKey(mode)) {
            modeOrder.add(mode);
        }
        values.computeIfAbsent(mode, m -> new TreeMap<>()).computeIfAbsent(batchSize, b -> new ArrayList<>())
                .add(stepsPerSecond);
    }

    public boolean has(String mode, int batchSize) {
        return values.containsKey(mode) && values.get(mode).containsKey(batchSize);
    }

    /** Batch sizes of any mode, ascending. */
    public List<Integer> batchSizes() {
        return values.values().stream().flatMap(m -> m.keySet().stream()).distinct().sorted().toList();
    }

    public Stats stats(String mode, int batchSize) {
        return Stats.of(values.get(mode).get(batchSize));
    }

    /**
     * {@code mode / base} at one batch size: the ratio of medians, and the spread of the ratios of
     * the results paired by round (empty when either side lacks the batch size).
     */
    public Optional<Ratio> ratio(String mode, String base, int batchSize) {
        if (!has(mode, batchSize) || !has(base, batchSize)) {
            return Optional.empty();
        }
        List<Double> a = values.get(mode).get(batchSize);
        List<Double> b = values.get(base).get(batchSize);
        List<Double> paired = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            paired.add(a.get(i) / b.get(i));
        }
        return Optional.of(new Ratio(mode, base, batchSize, stats(mode, batchSize).median() / stats(base, batchSize).median(),
                Stats.of(paired)));
    }

    /** {@code mode / base}: ratio of medians plus the per-round paired ratios. */
    public record Ratio(String mode, String base, int batchSize, double ofMedians, Stats paired) {

        /** The slowdown of {@code mode} against {@code base}: 1 - ratio of medians. */
        public double overhead() {
            return 1 - ofMedians;
        }
    }

    /** Prints one row per mode and batch size: steps/s median, min, max and samples/s. */
    public void print(PrintStream out, boolean markdown) {
        String fmt = markdown ? "| %-18s | %5s | %3s | %9s | %9s | %9s | %11s |%n" : "%-18s %5s %3s %9s %9s %9s %11s%n";
        out.printf(Locale.ROOT, fmt, "mode", "batch", "n", "median/s", "min/s", "max/s", "samples/s");
        if (markdown) {
            out.println("|---|--:|--:|--:|--:|--:|--:|");
        }
        for (int bs : batchSizes()) {
            for (String mode : modeOrder) {
                if (has(mode, bs)) {
                    Stats s = stats(mode, bs);
                    out.printf(Locale.ROOT, fmt, mode, bs, s.n(), f1(s.median()), f1(s.min()), f1(s.max()),
                            String.format(Locale.ROOT, "%.0f", s.median() * bs));
                }
            }
        }
    }

    /** Prints {@code mode / base} for every mode, base and batch size that have results. */
    public void printRatios(PrintStream out, List<String> modes, List<String> bases, boolean markdown) {
        String fmt = markdown ? "| %-36s | %5s | %8s | %9s | %9s | %9s |%n" : "%-36s %5s %8s %9s %9s %9s%n";
        out.printf(Locale.ROOT, fmt, "ratio of steps/s", "batch", "medians", "round-med", "round-min", "round-max");
        if (markdown) {
            out.println("|---|--:|--:|--:|--:|--:|");
        }
        for (String mode : modes) {
            for (String base : bases) {
                if (mode.equals(base)) {
                    continue;
                }
                for (int bs : batchSizes()) {
                    ratio(mode, base, bs).ifPresent(r -> out.printf(Locale.ROOT, fmt, mode + " / " + base, bs,
                            f3(r.ofMedians()), f3(r.paired().median()), f3(r.paired().min()), f3(r.paired().max())));
                }
            }
        }
    }

    /**
     * Prints the overhead of {@code mode} against {@code base} for each batch size and whether it
     * stays within {@code maxOverhead}; returns true when all do (and there was something to compare).
     */
    public boolean printOverhead(PrintStream out, String mode, String base, double maxOverhead) {
        boolean allWithin = true;
        boolean any = false;
        for (int bs : batchSizes()) {
            Optional<Ratio> r = ratio(mode, base, bs);
            if (r.isEmpty()) {
                continue;
            }
            any = true;
            boolean within = r.get().overhead() <= maxOverhead;
            allWithin &= within;
            out.printf(Locale.ROOT, "overhead %s vs %s @ batch %d: %+.1f%% (1 - ratio of medians; paired per round %+.1f%% .. %+.1f%%) -> %s (limit %.0f%%)%n",
                    mode, base, bs, 100 * r.get().overhead(), 100 * (1 - r.get().paired().max()),
                    100 * (1 - r.get().paired().min()), within ? "WITHIN" : "OVER", 100 * maxOverhead);
        }
        return any && allWithin;
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
