package dev.raylightning.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.raylightning.core.engine.Engines;
import dev.raylightning.examples.DataDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Trainer steps/s against a bare DJL loop on the same MLP and data, in one JVM. Within a round
 * the variants train side by side on their own threads and take turns every few steps (see
 * {@link Baton}), so the slow phases of a noisy machine hit every variant alike; the ring order
 * flips every round, and medians and min/max summarise the rounds.
 *
 * <p>Prints one JSON line per measurement, then a table and the overhead
 * {@code 1 - trainer/baseline}. Run it with {@code -Dai.djl.pytorch.num_threads=1
 * -Dai.djl.pytorch.num_interop_threads=1 -Dai.djl.offline=true}; see bench/run-benchmarks.sh.
 */
@Command(name = "trainer-overhead-bench", mixinStandardHelpOptions = true,
        description = "Our Trainer against a hand-written DJL loop (Fashion-MNIST MLP 784-128-10, Adam 1e-3).")
public final class TrainerOverheadBench implements Callable<Integer> {

    private static final Gson GSON = new Gson();

    @Option(names = "--batch-sizes", split = ",", description = "batch sizes (default: ${DEFAULT-VALUE})")
    List<Integer> batchSizes = List.of(64, 256);

    @Option(names = "--variants", split = ",",
            description = "djl-baseline, trainer, trainer-noprefetch, trainer-nolog (default: ${DEFAULT-VALUE})")
    List<String> variants = List.of("djl-baseline", "trainer", "trainer-noprefetch", "trainer-nolog");

    @Option(names = "--rounds", description = "measured rounds (default: ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(names = "--warmup", description = "untimed steps at the start of every run (default: ${DEFAULT-VALUE})")
    int warmup = 50;

    @Option(names = "--steps", description = "timed steps per run (default: ${DEFAULT-VALUE})")
    int steps = 1000;

    @Option(names = "--interleave", description = "steps: all variants train at once on their own threads, "
            + "taking turns every --chunk steps; runs: one whole run after the other (default: ${DEFAULT-VALUE})")
    Interleave interleave = Interleave.steps;

    @Option(names = "--chunk", description = "steps per turn with --interleave steps; divides --warmup and --steps (default: ${DEFAULT-VALUE})")
    int chunk = 50;

    @Option(names = "--warmup-rounds", description = "discarded rounds first, for the JIT (default: ${DEFAULT-VALUE})")
    int warmupRounds = 1;

    @Option(names = "--warmup-round-steps", description = "timed steps per run in discarded rounds (default: ${DEFAULT-VALUE})")
    int warmupRoundSteps = 200;

    @Option(names = "--round-offset", description = "number of the first measured round, for runs split over JVMs (default: ${DEFAULT-VALUE})")
    int roundOffset = 0;

    @Option(names = "--data", description = "data directory holding fashion-mnist/ (default: data/ found upwards, or $RAY_LIGHTNING_DATA)")
    Path data;

    @Option(names = "--seed", description = "seed of weights and shuffling (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--json-out", description = "also append the JSON lines to this file")
    Path jsonOut;

    @Option(names = "--max-overhead", description = "the overhead the verdict allows (default: ${DEFAULT-VALUE})")
    double maxOverhead = 0.05;

    @Option(names = "--profile", description = "also split every timed step into phases (batch, forward, backward, optimizer)")
    boolean profile;

    @Option(names = "--no-summary", description = "print the JSON lines only")
    boolean noSummary;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec commandSpec;

    /** How variants share the machine within a round. */
    enum Interleave { steps, runs }

    private int intraOpThreads;
    private int interOpThreads;

    @Override
    public Integer call() {
        List<Variant> chosen;
        try {
            chosen = variants.stream().map(Variant::ofMode).toList();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage());
        }
        if (interleave == Interleave.steps && (chunk < 1 || warmup % chunk != 0 || steps % chunk != 0
                || warmupRoundSteps % chunk != 0)) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), "--warmup (" + warmup + "), --steps ("
                    + steps + ") and --warmup-round-steps (" + warmupRoundSteps + ") must be multiples of --chunk (" + chunk + ")");
        }
        Engines.pytorch();
        intraOpThreads = JniUtils.getNumThreads();
        interOpThreads = JniUtils.getNumInteropThreads();
        System.err.printf("torch threads: intra-op %d, inter-op %d%n", intraOpThreads, interOpThreads);
        if (intraOpThreads != 1 || interOpThreads != 1) {
            System.err.println("warning: the comparison with Python assumes one torch thread; start the JVM with "
                    + "-Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1");
        }
        TrainData train = TrainData.load(data != null ? data : DataDirectory.resolve());

        boolean bySteps = interleave == Interleave.steps;
        for (int r = 0; r < warmupRounds; r++) {
            for (int bs : batchSizes) {
                RingRunner.run(train, chosen, new RunSpec(bs, warmup, warmupRoundSteps, seed), -1, bySteps, chunk, false);
            }
        }
        ResultTable table = new ResultTable();
        List<PhaseRow> phaseRows = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            int round = roundOffset + r;
            List<Variant> order = new ArrayList<>(chosen);
            if (round % 2 == 1) {
                java.util.Collections.reverse(order); // ABC CBA ABC ...: no variant always goes first
            }
            for (int bs : batchSizes) {
                RunSpec spec = new RunSpec(bs, warmup, steps, seed);
                for (Measurement m : RingRunner.run(train, order, spec, round, bySteps, chunk, profile)) {
                    table.add(m.variant().mode(), bs, m.stepsPerSecond());
                    JsonObject json = m.toJson(intraOpThreads, interOpThreads);
                    json.addProperty("interleave", bySteps ? "steps/" + chunk : "runs");
                    if (m.phases() != null) {
                        JsonObject p = new JsonObject();
                        m.phases().forEach((k, us) -> p.addProperty(k.name().toLowerCase(Locale.ROOT), round1(us)));
                        json.add("phase_us_per_step", p);
                        phaseRows.add(new PhaseRow(m.variant().mode(), bs, m.phases()));
                    }
                    emit(GSON.toJson(json));
                }
            }
        }
        if (!noSummary) {
            summarize(table, chosen, phaseRows);
        }
        return 0;
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private void emit(String line) {
        new JsonLines(jsonOut).emit(line);
    }

    private void summarize(ResultTable table, List<Variant> chosen, List<PhaseRow> phaseRows) {
        System.out.println();
        System.out.printf(Locale.ROOT, "Trainer overhead, MLP 784-128-10, Adam 1e-3, %d rounds x %d timed steps after %d warm-up, "
                + "torch threads %d/%d%n", rounds, steps, warmup, intraOpThreads, interOpThreads);
        table.print(System.out, false);
        String base = Variant.DJL_BASELINE.mode();
        List<String> ours = chosen.stream().filter(v -> v != Variant.DJL_BASELINE).map(Variant::mode).toList();
        if (chosen.contains(Variant.DJL_BASELINE) && !ours.isEmpty()) {
            System.out.println();
            table.printRatios(System.out, ours, List.of(base), false);
            System.out.println();
            for (String mode : ours) {
                table.printOverhead(System.out, mode, base, maxOverhead);
            }
        }
        if (profile) {
            System.out.println();
            PhaseRow.print(System.out, phaseRows);
        }
    }

    /** One run's per-phase microseconds per step, for the {@code --profile} table. */
    record PhaseRow(String mode, int batchSize, Map<Phase, Double> micros) {

        /** Prints the median over rounds of each phase, per mode and batch size. */
        static void print(java.io.PrintStream out, List<PhaseRow> rows) {
            out.printf(Locale.ROOT, "%-18s %5s %9s %9s %9s %9s %9s%n", "us/step (median)", "batch",
                    "batch", "forward", "backward", "optimizer", "total");
            rows.stream().map(r -> r.batchSize).distinct().sorted().forEach(bs ->
                    rows.stream().map(r -> r.mode).distinct().forEach(mode -> {
                        List<PhaseRow> mine = rows.stream().filter(r -> r.batchSize == bs && r.mode.equals(mode)).toList();
                        if (mine.isEmpty()) {
                            return;
                        }
                        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-18s %5d", mode, bs));
                        double total = 0;
                        for (Phase p : Phase.values()) {
                            double med = Stats.of(mine.stream().map(r -> r.micros.get(p)).toList()).median();
                            total += med;
                            line.append(String.format(Locale.ROOT, " %9.1f", med));
                        }
                        line.append(String.format(Locale.ROOT, " %9.1f", total));
                        out.println(line);
                    }));
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainerOverheadBench()).execute(args));
    }
}
