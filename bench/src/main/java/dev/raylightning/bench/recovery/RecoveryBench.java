package dev.raylightning.bench.recovery;

import com.google.gson.JsonObject;
import dev.raylightning.bench.JsonLines;
import dev.raylightning.bench.Stats;
import dev.raylightning.bench.ddp.BenchData;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.strategy.RecoveryPolicy;
import dev.raylightning.examples.FashionMnistClassifier;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.launcher.RayWorkerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What fault tolerance costs and what it saves, with 2 Ray workers on the Fashion-MNIST example
 * (batch 64 per worker), in one JVM:
 * <ul>
 *   <li>snapshot cost: steady-state samples/s of a fit without recovery, with recovery at the
 *       default snapshot interval and at a short one, in an order that rotates with the round
 *       (warm workers are reused, so fits differ only in their snapshots);</li>
 *   <li>recovery: rank 1 killed with SIGKILL at a chosen step; seconds from the kill to the
 *       first step after it, and the fit's wall time against an uninterrupted fit, for
 *       {@code maxFailures(1)} and for the by-hand way (the fit fails, the caller fits again
 *       from the checkpoint a callback saved every as many steps).</li>
 * </ul>
 */
@Command(name = "recovery-bench", mixinStandardHelpOptions = true,
        description = "Recovery snapshot cost and recovery time, 2 Ray workers, Fashion-MNIST.")
public final class RecoveryBench implements Callable<Integer> {

    @Option(names = "--data", required = true, description = "directory holding fashion-mnist/")
    Path data;

    @Option(names = "--rounds", description = "rounds (default: ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(names = "--model", description = "MLP or CNN (default: ${DEFAULT-VALUE})")
    FashionMnistClassifier.Architecture model = FashionMnistClassifier.Architecture.MLP;

    @Option(names = "--epochs", description = "epochs of each throughput fit (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--warmup-steps", description = "steps before the throughput window (default: ${DEFAULT-VALUE})")
    int warmupSteps = 100;

    @Option(names = "--short-interval", description = "the short snapshot interval (default: ${DEFAULT-VALUE})")
    long shortInterval = 20;

    @Option(names = "--kill-at", description = "global step at which rank 1 is killed (default: ${DEFAULT-VALUE})")
    long killAt = 300;

    @Option(names = "--json-out", description = "also append the JSON lines to this file")
    Path jsonOut;

    @Option(names = "--work-dir", required = true, description = "where fits write logs, checkpoints and markers")
    Path workDir;

    private static final int BATCH = 64;
    /** The default snapshot interval, also the by-hand checkpoints' interval. */
    private static final long INTERVAL = RecoveryPolicy.DEFAULT_SNAPSHOT_EVERY_N_STEPS;

    public static void main(String[] args) {
        int code = new CommandLine(new RecoveryBench()).execute(args);
        RayRuntime.shutdown();
        System.exit(code);
    }

    @Override
    public Integer call() throws Exception {
        JsonLines out = new JsonLines(jsonOut);
        Map<String, List<Double>> throughput = new LinkedHashMap<>(); // "kind.measure" -> by round
        Map<String, List<Double>> recovery = new LinkedHashMap<>();
        List<String> kinds = List.of("none", "default", "short");
        throughputFit("none"); // starts the workers and warms their JIT; not counted
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < kinds.size(); i++) {
                String kind = kinds.get((i + round) % kinds.size());
                StepWindow w = throughputFit(kind);
                Map<String, Double> r = new LinkedHashMap<>();
                r.put("samples_per_s", w.samplesPerSecond(2 * BATCH));
                r.put("median_step_ms", w.medianStepSeconds() * 1e3);
                // extra time after the steps snapshots are due at, for either interval (a fit
                // without snapshots gives the noise floor: log rows, drains, GC)
                r.put("extra_ms_default", w.extraSecondsAtMultiplesOf(INTERVAL) * 1e3);
                r.put("extra_ms_short", w.extraSecondsAtMultiplesOf(shortInterval) * 1e3);
                r.forEach((k, v) -> throughput.computeIfAbsent(kind + "." + k, x -> new ArrayList<>()).add(v));
                out.emit(line("throughput", round, kind, r));
            }
            List<String> ways = round % 2 == 0 ? List.of("uninterrupted", "recovered", "by_hand")
                    : List.of("by_hand", "recovered", "uninterrupted");
            for (String way : ways) {
                Map<String, Double> r = killedFit(way, round);
                r.forEach((k, v) -> recovery.computeIfAbsent(way + "." + k, x -> new ArrayList<>()).add(v));
                out.emit(line("recovery", round, way, r));
            }
        }
        System.out.println();
        System.out.printf("snapshot cost, %s, 2 workers, after %d steps, median of %d rounds. Per snapshot: the extra"
                + " time of the 5 step intervals after each step a snapshot is due at, beyond 5 median steps of the"
                + " same fit, less the same measure at the same steps of the fit without snapshots in that round;"
                + " cost: that over the interval's training time%n", model, warmupSteps, rounds);
        for (String kind : kinds) {
            List<Double> ratios = new ArrayList<>();
            List<Double> perSnapshot = new ArrayList<>();
            List<Double> cost = new ArrayList<>();
            String at = kind.equals("short") ? "short" : "default";
            long every = kind.equals("short") ? shortInterval : INTERVAL;
            for (int r = 0; r < rounds; r++) {
                ratios.add(throughput.get(kind + ".samples_per_s").get(r)
                        / throughput.get("none.samples_per_s").get(r));
                double ms = throughput.get(kind + ".extra_ms_" + at).get(r)
                        - throughput.get("none.extra_ms_" + at).get(r);
                perSnapshot.add(ms);
                cost.add(ms / (every * throughput.get(kind + ".median_step_ms").get(r)));
            }
            System.out.printf("  %-28s samples/s %7.0f  ratio %.3f  step %.2f ms", label(kind),
                    Stats.of(throughput.get(kind + ".samples_per_s")).median(), Stats.of(ratios).median(),
                    Stats.of(throughput.get(kind + ".median_step_ms")).median());
            if (kind.equals("none")) {
                System.out.printf("  floor at the snapshot steps %.2f ms (every %d), %.2f ms (every %d)%n",
                        Stats.of(throughput.get("none.extra_ms_default")).median(), INTERVAL,
                        Stats.of(throughput.get("none.extra_ms_short")).median(), shortInterval);
            } else {
                Stats c = Stats.of(cost);
                System.out.printf("  per snapshot %.2f ms  cost %.2f%% (%.2f%% to %.2f%%)%n",
                        Stats.of(perSnapshot).median(), 100 * c.median(), 100 * c.min(), 100 * c.max());
            }
        }
        System.out.printf("recovery, rank 1 killed at step %d, snapshots/checkpoints every %d steps (median of %d)%n",
                killAt, INTERVAL, rounds);
        for (Map.Entry<String, List<Double>> e : recovery.entrySet()) {
            Stats s = Stats.of(e.getValue());
            String unit = e.getKey().endsWith("_s") ? " s" : "  ";
            System.out.printf("  %-34s %8.2f%s  (%.2f-%.2f)%n", e.getKey(), s.median(), unit, s.min(), s.max());
        }
        return 0;
    }

    private String label(String kind) {
        return switch (kind) {
            case "none" -> "no recovery";
            case "default" -> "snapshots every " + INTERVAL + " steps";
            default -> "snapshots every " + shortInterval + " steps";
        };
    }

    private JsonObject line(String bench, int round, String variant, Map<String, Double> values) {
        JsonObject o = new JsonObject();
        o.addProperty("bench", bench);
        o.addProperty("model", model.name());
        o.addProperty("round", round);
        o.addProperty("variant", variant);
        values.forEach(o::addProperty);
        return o;
    }

    private static RayDdpStrategy.Builder strategy() {
        return RayDdpStrategy.builder(2);
    }

    private Trainer.Builder trainer(String name, int maxEpochs) throws IOException {
        Path dir = Files.createDirectories(workDir.resolve(name));
        return Trainer.builder().defaultRootDir(dir).enableProgressBar(false).enableCheckpointing(false)
                .logger(false).seed(7).maxEpochs(maxEpochs).numSanityValSteps(0);
    }

    /** A fit of {@code epochs} epochs; rank 0's step times. */
    private StepWindow throughputFit(String kind) throws IOException {
        RayDdpStrategy.Builder s = strategy();
        if (!kind.equals("none")) {
            s.maxFailures(1).recoveryCheckpointEveryNSteps(kind.equals("default") ? INTERVAL : shortInterval);
        }
        StepWindow window = new StepWindow(warmupSteps);
        Trainer t = trainer("throughput-" + kind, epochs).callbacks(window)
                .strategy(s.build()).build();
        try (FashionMnistClassifier m = new FashionMnistClassifier(model, 128, 1e-3)) {
            t.fit(m, new BenchData(data, BATCH, 2));
        }
        return window;
    }

    /**
     * One fit in which rank 1 is killed at {@code killAt} (none for "uninterrupted"); returns
     * the fit's wall time, and for the others the seconds from the kill to the first step after it.
     */
    private Map<String, Double> killedFit(String way, int round) throws IOException {
        Path marks = Files.createDirectories(workDir.resolve("marks-" + way + "-" + round));
        Path ckpt = workDir.resolve("by-hand-" + round + ".ckpt");
        List<Callback> callbacks = new ArrayList<>();
        if (!way.equals("uninterrupted")) {
            callbacks.add(new KillRankOne(marks, killAt));
        }
        if (way.equals("by_hand")) {
            callbacks.add(new SaveEveryNSteps(ckpt, INTERVAL));
        }
        RayDdpStrategy.Builder s = strategy();
        if (way.equals("recovered")) {
            s.maxFailures(1);
        }
        long start = System.nanoTime();
        try (FashionMnistClassifier m = new FashionMnistClassifier(model, 128, 1e-3)) {
            Trainer t = trainer(way + "-" + round, 1).callbacks(callbacks).strategy(s.build()).build();
            try {
                t.fit(m, new BenchData(data, BATCH, 2));
            } catch (RayWorkerException e) {
                if (!way.equals("by_hand")) {
                    throw e;
                }
                // what a user does by hand: a new trainer, from the last checkpoint saved
                trainer(way + "-" + round + "-again", 1).callbacks(new KillRankOne(marks, killAt))
                        .strategy(strategy().build()).build().fit(m, new BenchData(data, BATCH, 2), ckpt);
            }
        }
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("fit_s", (System.nanoTime() - start) / 1e9);
        if (!way.equals("uninterrupted")) {
            r.put("kill_to_next_step_s", KillRankOne.secondsToNextStep(marks));
            r.put("steps_repeated", (double) KillRankOne.stepsRepeated(marks, killAt));
        }
        return r;
    }
}
