package dev.raylightning.bench.ddp;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.raylightning.bench.Stats;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.DoubleFunction;
import java.util.function.Predicate;

/**
 * Tables and ratios from the JSON lines of one {@code bench/run-ddp-benchmarks.sh} invocation:
 * global samples/s (ours and PyTorch Lightning), ours / Lightning-DDP, scaling efficiency 1 to 2
 * workers, time to the first step (ours cold and warm, Lightning DDP, Ray Train), and where the
 * time of a step goes. The k-th result of a series pairs with the k-th of another (one round).
 */
@Command(name = "ddp-summary", mixinStandardHelpOptions = true,
        description = "Summarise RayDdpStrategy benchmark JSON lines (Java and Python).")
public final class DdpSummary implements Callable<Integer> {

    @Parameters(arity = "1..*", description = "files of JSON lines")
    List<Path> files;

    @Option(names = "--markdown", description = "print Markdown tables")
    boolean markdown;

    private final List<JsonObject> lines = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        for (Path f : files) {
            for (String s : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (s.strip().startsWith("{")) {
                    try {
                        lines.add(JsonParser.parseString(s).getAsJsonObject());
                    } catch (RuntimeException e) {
                        // a stray log line that starts with a brace
                    }
                }
            }
        }
        PrintStream out = System.out;
        throughput().print(out, markdown);
        ratios().print(out, markdown);
        scaling().print(out, markdown);
        firstStep().print(out, markdown);
        afterFirstStep().print(out, markdown);
        milestones().print(out, markdown);
        profile().print(out, markdown);
        ring().print(out, markdown);
        return 0;
    }

    private Table throughput() {
        Table t = new Table("Global samples/s (steady state; bN = batch N per worker)",
                "model", "mode", "workers", "n", "median", "min", "max");
        for (String model : models()) {
            for (String mode : modes(model)) {
                List<Double> v = series(mode, model, "samples_per_s");
                Stats s = Stats.of(v);
                t.row(model, mode, worldSize(mode, model), s.n(), f0(s.median()), f0(s.min()), f0(s.max()));
            }
        }
        return t;
    }

    private Table ratios() {
        Table t = new Table("Ours / PyTorch Lightning DDP, global samples/s "
                + "(goals: >= 1.15 on the CNN family, >= 3 on the MLP)",
                "model", "ratio", "of medians", "round median", "round min", "round max");
        for (String model : models()) {
            ratioRow(t, model, "java-ray2", "lightning-ddp", 1);
            ratioRow(t, model, "java-single", "lightning", 1);
            // rows of variants that did not run are left out
            ratioRow(t, model, "java-horovod2", "lightning-ddp", 1);
            ratioRow(t, model, "java-horovod2", "java-ray2", 1);
            ratioRow(t, model, "java-horovod2-fp16", "java-horovod2", 1);
            ratioRow(t, model, "java-horovod2-bf16", "java-horovod2", 1);
        }
        return t;
    }

    private Table scaling() {
        Table t = new Table("Scaling efficiency 1 -> 2 workers: samples/s(2) / (2 x samples/s(1)) "
                + "(goal >= 0.9 on the CNN family)",
                "model", "ratio", "of medians", "round median", "round min", "round max");
        for (String model : models()) {
            ratioRow(t, model, "java-ray2", "java-ray1", 2);
            ratioRow(t, model, "java-ray2", "java-single", 2);
            ratioRow(t, model, "lightning-ddp", "lightning", 2);
        }
        return t;
    }

    /** One ratio row {@code a / (k * b)}: of the medians, and over rounds paired by order. */
    private void ratioRow(Table t, String model, String a, String b, int k) {
        List<Double> x = series(a, model, "samples_per_s");
        List<Double> y = series(b, model, "samples_per_s");
        if (x.isEmpty() || y.isEmpty()) {
            return;
        }
        List<Double> paired = new ArrayList<>();
        for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
            paired.add(x.get(i) / (k * y.get(i)));
        }
        Stats p = Stats.of(paired);
        String name = k == 1 ? a + " / " + b : a + " / (" + k + " x " + b + ")";
        t.row(model, name, f3(Stats.of(x).median() / (k * Stats.of(y).median())), f3(p.median()), f3(p.min()),
                f3(p.max()));
    }

    private Table firstStep() {
        Table t = new Table("Time to the first training step, seconds (MLP, 2 workers)",
                "what", "n", "median", "min", "max");
        Map<String, List<Double>> rows = new LinkedHashMap<>();
        rows.put("ours: fit -> first step, cold (starts the cluster)",
                ofKind("java-ray2-first-step", "cold", "fit_to_first_step_s"));
        rows.put("ours: fit -> first step, warm cluster", ofKind("java-ray2-first-step", "warm", "fit_to_first_step_s"));
        rows.put("ours: fit -> first step, reused worker JVMs (goal < 1.0)",
                ofKind("java-ray2-first-step", "reused", "fit_to_first_step_s"));
        rows.put("ours: validate after a fit -> validation starts (goal < 0.5)",
                values(o -> is(o, "java-ray2-validate-after-fit"), "validate_to_validation_start_s"));
        rows.put("ours: validate after a fit, whole call (5,000 images)",
                values(o -> is(o, "java-ray2-validate-after-fit"), "validate_seconds"));
        rows.put("Ray Train TorchTrainer: fit -> first step, warm cluster",
                ofKind("raytrain-first-step", "warm", "fit_to_first_step_s"));
        rows.put("Ray Train: its warm-up fit -> first step", ofKind("raytrain-first-step", "warm-up", "fit_to_first_step_s"));
        rows.put("Ray Train: ray.init (cluster start)", ofKind("raytrain-first-step", "warm-up", "ray_init_s"));
        rows.put("Lightning DDP: Trainer.fit -> first step",
                values(o -> is(o, "lightning-ddp-first-step"), "fit_to_first_step_s"));
        rows.put("Lightning DDP: process launch -> first step",
                values(o -> is(o, "lightning-ddp-first-step"), "launch_to_first_step_s"));
        rows.put("Lightning DDP: whole command",
                values(o -> is(o, "lightning-ddp-command"), "wall_s"));
        statsRows(t, rows, DdpSummary::f2);
        List<Double> ours = rows.get("ours: fit -> first step, warm cluster");
        List<Double> rt = rows.get("Ray Train TorchTrainer: fit -> first step, warm cluster");
        if (!ours.isEmpty() && !rt.isEmpty()) {
            t.row("ratio ours warm / Ray Train warm (goal <= 0.5)", "", f3(Stats.of(ours).median() / Stats.of(rt).median()),
                    "", "");
        }
        return t;
    }

    /** {@code field} of the results of {@code mode} whose "kind" is {@code kind}. */
    private List<Double> ofKind(String mode, String kind, String field) {
        return values(o -> is(o, mode) && kind.equals(str(o, "kind")), field);
    }

    /**
     * Throughput from the first step to the end of the fit, the same fits as the time to the first
     * step: with {@code LATENCY_STEPS=469}, the first epoch, JIT warm-up included on new workers.
     */
    private Table afterFirstStep() {
        Table t = new Table("Samples/s from the first step to the end of the fit (MLP, 2 workers; the first epoch "
                + "with LATENCY_STEPS=469)", "what", "n", "median", "min", "max");
        Map<String, List<Double>> rows = new LinkedHashMap<>();
        rows.put("ours, cold", ofKind("java-ray2-first-step", "cold", "samples_per_s_after_first_step"));
        rows.put("ours, new workers (warm cluster)",
                ofKind("java-ray2-first-step", "warm", "samples_per_s_after_first_step"));
        rows.put("ours, reused worker JVMs", ofKind("java-ray2-first-step", "reused", "samples_per_s_after_first_step"));
        List<Double> lightning = values(o -> is(o, "lightning-ddp-first-step"), "samples_per_s_after_first_step");
        rows.put("Lightning DDP", lightning);
        statsRows(t, rows, DdpSummary::f0);
        if (!lightning.isEmpty()) {
            double l = Stats.of(lightning).median();
            for (String kind : List.of("new workers (warm cluster)", "reused worker JVMs")) {
                List<Double> ours = rows.get("ours, " + kind);
                if (!ours.isEmpty()) {
                    t.row("ratio ours, " + kind + " / Lightning DDP (goal >= 2)", "", f3(Stats.of(ours).median() / l), "",
                            "");
                }
            }
        }
        return t;
    }

    /** One row per non-empty series: its name, count, median, min and max, formatted by {@code format}. */
    private static void statsRows(Table t, Map<String, List<Double>> rows, DoubleFunction<String> format) {
        for (Map.Entry<String, List<Double>> e : rows.entrySet()) {
            if (!e.getValue().isEmpty()) {
                Stats s = Stats.of(e.getValue());
                t.row(e.getKey(), s.n(), format.apply(s.median()), format.apply(s.min()), format.apply(s.max()));
            }
        }
    }

    private Table milestones() {
        Table t = new Table("Ours: where the time to the first step goes (rank zero, seconds after the fit call, medians)",
                "fit", "n", "worker process starts", "init hook (ring up)", "setup (model, data)", "first step",
                "fit returns", "samples/s after the first step");
        for (String kind : List.of("cold", "warm", "reused")) {
            Predicate<JsonObject> p = o -> is(o, "java-ray2-first-step") && kind.equals(str(o, "kind"));
            List<Double> first = values(p, "fit_to_first_step_s");
            if (first.isEmpty()) {
                continue;
            }
            double started = med(values(p, "fit_to_process_start_s"));
            t.row(kind, first.size(), started < 0 ? "before the fit" : f2(started),
                    f2(med(values(p, "fit_to_init_hook_s"))), f2(med(values(p, "fit_to_setup_s"))), f2(med(first)),
                    f2(med(values(p, "fit_seconds"))), f0(med(values(p, "samples_per_s_after_first_step"))));
        }
        return t;
    }

    private Table profile() {
        Table t = new Table("Where a step goes, rank by rank (microseconds per step, medians over rounds; "
                + "wait = run-queue wait per step, cs = context switches per step)",
                "model", "mode", "rank", "data", "fwd+bwd", "opt step", "opt CPU", "step", "step CPU", "rq wait",
                "vol cs", "invol cs");
        for (String model : models()) {
            for (String mode : modes(model)) {
                if (!mode.startsWith("java-")) {
                    continue;
                }
                for (String r : List.of("", "r1_")) {
                    if (series(mode, model, r + "step_us_median").isEmpty()) {
                        continue;
                    }
                    t.row(model, mode, r.isEmpty() ? "0" : "1",
                            f0(med(series(mode, model, r + "data_us_median"))),
                            f0(med(series(mode, model, r + "fwd_bwd_us_median"))),
                            f0(med(series(mode, model, r + "opt_us_median"))),
                            f0(med(series(mode, model, r + "opt_cpu_us_mean"))),
                            f0(med(series(mode, model, r + "step_us_median"))),
                            f0(med(series(mode, model, r + "step_cpu_us_mean"))),
                            f0(med(series(mode, model, r + "sched_rq_wait_us_per_step"))),
                            f2(med(series(mode, model, r + "voluntary_cs_per_step"))),
                            f2(med(series(mode, model, r + "involuntary_cs_per_step"))));
                }
            }
        }
        return t;
    }

    private Table ring() {
        Table t = new Table("One all-reduce on an otherwise idle 2-rank TCP ring (two threads of one JVM; "
                + "microseconds, medians over rounds)", "buffer", "floats", "n", "wall (median call)", "CPU (mean call)");
        List<String> seen = new ArrayList<>();
        for (JsonObject o : lines) {
            String what = str(o, "what");
            if (is(o, "ring-allreduce") && what != null && !seen.contains(what)) {
                seen.add(what);
                Predicate<JsonObject> p = x -> is(x, "ring-allreduce") && what.equals(str(x, "what"));
                List<Double> wall = values(p, "r0_wall_us_median");
                t.row(what, o.get("floats").getAsInt(), wall.size(), f0(med(wall)), f0(med(values(p, "r0_cpu_us_mean"))));
            }
        }
        return t;
    }

    /** A throughput line's model and batch size per worker, as the tables name it ("cnn-m b64"). */
    private static String modelKey(JsonObject o) {
        JsonElement b = o.get("batch_size");
        return str(o, "model") + (b == null || b.isJsonNull() ? "" : " b" + b.getAsInt());
    }

    /** Models (with batch size) measured, in first-seen order. */
    private List<String> models() {
        List<String> out = new ArrayList<>();
        for (JsonObject o : lines) {
            if (o.has("samples_per_s") && str(o, "model") != null && !out.contains(modelKey(o))) {
                out.add(modelKey(o));
            }
        }
        return out;
    }

    /** Throughput modes measured for a model, in first-seen order. */
    private List<String> modes(String model) {
        List<String> out = new ArrayList<>();
        for (JsonObject o : lines) {
            if (model.equals(modelKey(o)) && o.has("samples_per_s") && !out.contains(str(o, "mode"))) {
                out.add(str(o, "mode"));
            }
        }
        return out;
    }

    private Object worldSize(String mode, String model) {
        for (JsonObject o : lines) {
            if (is(o, mode) && model.equals(modelKey(o)) && o.has("world_size")) {
                return o.get("world_size").getAsInt();
            }
        }
        return "";
    }

    private List<Double> series(String mode, String model, String field) {
        return values(o -> is(o, mode) && o.has("samples_per_s") && model.equals(modelKey(o)), field);
    }

    private List<Double> values(Predicate<JsonObject> filter, String field) {
        List<Double> out = new ArrayList<>();
        for (JsonObject o : lines) {
            JsonElement e = o.get(field);
            if (filter.test(o) && e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()
                    && !Double.isNaN(e.getAsDouble())) {
                out.add(e.getAsDouble());
            }
        }
        return out;
    }

    private static boolean is(JsonObject o, String mode) {
        return mode.equals(str(o, "mode"));
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static double med(List<Double> v) {
        return v.isEmpty() ? Double.NaN : Stats.of(v).median();
    }

    private static String f0(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String f2(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f3(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DdpSummary()).execute(args));
    }
}
