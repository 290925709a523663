package dev.raylightning.bench.collective;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.raylightning.bench.Stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The table: per size, the median over rounds of each implementation's per-round median, and
 * the ratios ring/Gloo and ring/raw TCP (all numbers of a round come from the same run, measured
 * one after the other, never at the same time).
 */
final class CollectiveSummary {

    /** Implementations in column order, with their column titles. */
    private static final String[][] IMPLS = {
        {"ring", "ring bytes"}, {"ring-floats", "ring floats"}, {"shm", "shared memory"},
        {"shm-ring", "shm ring barriers"}, {"shm-1b", "shm one barrier"}, {"shm-2b", "shm two barriers"},
        {"gloo", "Gloo"},
        {"tcp", "TCP 1-way"}, {"tcp-bidir", "TCP 2-way"}};

    private CollectiveSummary() {}

    static void print(Path results, boolean markdown) throws IOException {
        Map<Long, Map<String, List<JsonObject>>> bySize = new TreeMap<>();
        for (String line : Files.readAllLines(results)) {
            if (line.startsWith("{")) {
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                bySize.computeIfAbsent(o.get("bytes").getAsLong(), k -> new TreeMap<>())
                        .computeIfAbsent(o.get("impl").getAsString(), k -> new ArrayList<>()).add(o);
            }
        }
        List<String> head = new ArrayList<>(List.of("size"));
        for (String[] impl : IMPLS) {
            head.add(impl[1] + " ms");
            head.add(impl[1] + " GB/s");
        }
        head.addAll(List.of("ring CPU ms", "ring/Gloo", "ring floats/Gloo", "ring/TCP 1-way", "ring/TCP 2-way",
                "shm/Gloo", "shm/TCP 1-way", "shm ring barriers/shm time", "ring p90/median", "shm p90/median",
                "shm ring barriers p90/median", "shm one barrier p90/median", "shm two barriers p90/median",
                "Gloo p90/median", "rounds"));
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<Long, Map<String, List<JsonObject>>> e : bySize.entrySet()) {
            Map<String, List<JsonObject>> m = e.getValue();
            List<String> row = new ArrayList<>(List.of(sizeLabel(e.getKey())));
            for (String[] impl : IMPLS) {
                row.add(fmt(median(m.get(impl[0]), "median_s") * 1e3));
                row.add(fmt(median(m.get(impl[0]), "busbw_gbps")));
            }
            double ring = median(m.get("ring"), "busbw_gbps");
            double gloo = median(m.get("gloo"), "busbw_gbps");
            row.add(fmt(median(m.get("ring"), "cpu_s") * 1e3));
            row.add(fmt(ring / gloo) + "x");
            row.add(fmt(median(m.get("ring-floats"), "busbw_gbps") / gloo) + "x");
            row.add(pct(ring / median(m.get("tcp"), "busbw_gbps")));
            row.add(pct(ring / median(m.get("tcp-bidir"), "busbw_gbps")));
            double shm = median(m.get("shm"), "busbw_gbps");
            row.add(fmt(shm / gloo) + "x");
            row.add(pct(shm / median(m.get("tcp"), "busbw_gbps")));
            row.add(fmt(median(m.get("shm-ring"), "median_s") / median(m.get("shm"), "median_s")));
            for (String impl : List.of("ring", "shm", "shm-ring", "shm-1b", "shm-2b", "gloo")) {
                row.add(fmt(tailRatio(m.get(impl))));
            }
            row.add(String.valueOf(m.values().stream().mapToInt(List::size).max().orElse(0)));
            rows.add(row);
        }
        if (markdown) {
            System.out.println("| " + String.join(" | ", head) + " |");
            System.out.println("|" + "---|".repeat(head.size()));
            rows.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
        } else {
            int[] w = new int[head.size()];
            for (int i = 0; i < w.length; i++) {
                w[i] = head.get(i).length();
                for (List<String> r : rows) {
                    w[i] = Math.max(w[i], r.get(i).length());
                }
            }
            System.out.println(line(head, w));
            rows.forEach(r -> System.out.println(line(r, w)));
        }
        System.out.println();
        System.out.println("busbw = 2(N-1)/N * bytes / median time (N = 2 ranks: bytes / time); TCP: bytes / time per"
                + " direction (2-way: both directions at once); GB = 1e9 bytes; each cell is the median over rounds"
                + " of per-round medians; ring CPU = CPU time of rank 0's calling thread per all-reduce;"
                + " p90/median: the slow tail of the calls, median over rounds of each round's ratio.");
    }

    private static String sizeLabel(long bytes) {
        return bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }

    /** Median over rounds of p90 / median; NaN when absent. */
    private static double tailRatio(List<JsonObject> xs) {
        if (xs == null || xs.isEmpty() || !xs.get(0).has("p90_s")) {
            return Double.NaN;
        }
        List<Double> r = new ArrayList<>();
        xs.forEach(o -> r.add(o.get("p90_s").getAsDouble() / o.get("median_s").getAsDouble()));
        return Stats.of(r).median();
    }

    private static String line(List<String> cells, int[] w) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            s.append(String.format(Locale.ROOT, i == 0 ? "%-" + w[i] + "s" : "  %" + w[i] + "s", cells.get(i)));
        }
        return s.toString();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f%%", v * 100);
    }

    private static double median(List<JsonObject> xs, String field) {
        if (xs == null || xs.isEmpty() || !xs.get(0).has(field)) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>();
        xs.forEach(o -> s.add(o.get(field).getAsDouble()));
        return Stats.of(s).median();
    }
}
