package dev.raylightning.bench.ddp;

import ai.djl.pytorch.jni.JniUtils;
import dev.raylightning.bench.JsonLines;
import dev.raylightning.core.engine.Engines;
import dev.raylightning.examples.DataDirectory;
import dev.raylightning.strategies.cluster.RayRuntime;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * One round of the RayDdpStrategy benchmark in one JVM: first the start-up latency (a cold fit,
 * which starts the private Ray cluster, then warm fits), then steady-state throughput of every
 * variant (single device, Ray with one worker, Ray with two) on each model, in an order that
 * rotates with the round number. With {@code --peer-python} the PyTorch Lightning run that each
 * single and two-worker run is compared with ({@link LightningPeer}) runs right next to it, so a
 * ratio pairs runs taken seconds apart. Every result is one JSON line; {@link DdpSummary} makes
 * the tables. Run it with the torch thread flags and Ray's {@code --add-opens}
 * (bench/run-ddp-benchmarks.sh does).
 */
@Command(name = "ddp-bench", mixinStandardHelpOptions = true,
        description = "RayDdpStrategy throughput, scaling and time to first step (Fashion-MNIST MLP and CNN).")
public final class DdpBench implements Callable<Integer> {

    @Option(names = "--round", description = "round number: rotates the order, tags the lines (default: ${DEFAULT-VALUE})")
    int round = 0;

    @Option(names = "--models", split = ",",
            description = "mlp, cnn, and the CNN family cnn-s, cnn-m, cnn-l (default: ${DEFAULT-VALUE})")
    List<String> models = List.of("mlp", "cnn");

    @Option(names = "--variants", split = ",",
            description = "single, ray1, ray2, with optional +sync or +noprefetch (default: ${DEFAULT-VALUE})")
    List<String> variants = List.of("single", "ray1", "ray2");

    @Option(names = {"--batch-size", "--batch-sizes"}, split = ",",
            description = "per worker; several run one after the other (default: ${DEFAULT-VALUE})")
    List<Integer> batchSizes = List.of(64);

    @Option(names = "--mlp-warmup", description = "untimed MLP steps (default: ${DEFAULT-VALUE})")
    int mlpWarmup = 300;

    @Option(names = "--mlp-steps", description = "timed MLP steps (default: ${DEFAULT-VALUE})")
    int mlpSteps = 1500;

    @Option(names = "--cnn-warmup", description = "untimed CNN steps at batch 64, scaled to the same samples at "
            + "other batch sizes, for every CNN (default: ${DEFAULT-VALUE})")
    int cnnWarmup = 30;

    @Option(names = "--cnn-steps", description = "timed CNN steps (default: ${DEFAULT-VALUE})")
    int cnnSteps = 200;

    @Option(names = "--warm-fits", description = "warm time-to-first-step fits after the cold one; -1 skips the "
            + "latency part (default: ${DEFAULT-VALUE})")
    int warmFits = 2;

    @Option(names = "--latency-steps", description = "steps of each time-to-first-step fit (default: ${DEFAULT-VALUE})")
    int latencySteps = 5;

    @Option(names = "--data", description = "data directory holding fashion-mnist/ (default: data/ found upwards, or $RAY_LIGHTNING_DATA)")
    Path data;

    @Option(names = "--dump-dir", description = "where ranks write their step profiles (default: a temp dir, removed at the end)")
    Path dumpDir;

    @Option(names = "--json-out", description = "also append the JSON lines to this file")
    Path jsonOut;

    @Option(names = "--peer-python", description = "Python with torch and lightning: run the Lightning peer of "
            + "each single and ray2 run right next to it (bench/python/lightning_mlp.py)")
    Path peerPython;

    @Option(names = "--peer-log", description = "the Lightning peer's stderr (default: ${DEFAULT-VALUE})")
    Path peerLog = Path.of("lightning-peer.log");

    @Override
    public Integer call() throws IOException {
        Engines.pytorch();
        if (JniUtils.getNumThreads() != 1 || JniUtils.getNumInteropThreads() != 1) {
            System.err.println("[ddp-bench] WARNING: torch runs " + JniUtils.getNumThreads() + "/"
                    + JniUtils.getNumInteropThreads() + " threads here; the workers and the Python peer use 1/1");
        }
        Path dataDir = data != null ? data : DataDirectory.resolve();
        RunSettings settings = new RunSettings(dataDir, batchSizes.get(0), 42);
        Path dumps = dumpDir != null ? dumpDir : Files.createTempDirectory("ddp-bench-");
        JsonLines out = new JsonLines(jsonOut);
        try {
            if (warmFits >= 0) {
                FirstStepRun latency = new FirstStepRun(settings);
                log("cold fit (starts the Ray cluster)");
                out.emit(latency.run("cold", round, latencySteps));
                // each "reused" fit runs on the workers the fit before it left warm (the cold one
                // first), with the same data cached in them; a "warm" fit (new workers) releases them
                for (String kind : List.of("reused", "warm")) {
                    for (int i = 0; i < warmFits; i++) {
                        log(kind + " fit " + (i + 1));
                        out.emit(latency.run(kind, round, latencySteps));
                    }
                }
                for (int i = 0; i < warmFits; i++) {
                    log("validate after a fit " + (i + 1));
                    out.emit(latency.validateAfterFit(round, latencySteps));
                }
            }
            LightningPeer peer = peerPython == null ? null
                    : new LightningPeer(peerPython, peerScript(), dataDir, peerLog);
            for (int batchSize : batchSizes) {
                throughput(new RunSettings(dataDir, batchSize, 42), dumps, peer, out);
            }
        } finally {
            if (RayRuntime.isConnected()) {
                log("stopping the private Ray cluster");
                RayRuntime.shutdown();
            }
            if (dumpDir == null) { // the profiles were read into the results; the folder was ours
                dev.raylightning.core.util.FileTrees.delete(dumps);
            }
        }
        return 0;
    }

    /** Every model and variant at one batch size, each plain run next to its Lightning peer. */
    private void throughput(RunSettings settings, Path dumps, LightningPeer peer, JsonLines out) {
        ThroughputRun throughput = new ThroughputRun(settings, dumps);
        for (String model : rotated(models)) {
            for (RunVariant v : rotated(variants.stream().map(RunVariant::parse).toList())) {
                boolean mlp = model.equals("mlp");
                int w = mlp ? mlpWarmup : scaled(cnnWarmup, settings.batchSize());
                int n = mlp ? mlpSteps : scaled(cnnSteps, settings.batchSize());
                // the peer goes first in odd rounds, so neither side always follows the other
                boolean peerFirst = round % 2 == 1;
                String peerMode = peer == null || !v.isPlain() ? null : LightningPeer.modeFor(v.base()).orElse(null);
                if (peerMode != null && peerFirst) {
                    log(peerMode + " " + model + " batch " + settings.batchSize() + " (python)");
                    out.emit(peer.run(peerMode, model, settings.batchSize(), w, n, round));
                }
                log(v.mode() + " " + model + " batch " + settings.batchSize());
                out.emit(throughput.run(v, model, round, w, n));
                if (peerMode != null && !peerFirst) {
                    log(peerMode + " " + model + " batch " + settings.batchSize() + " (python)");
                    out.emit(peer.run(peerMode, model, settings.batchSize(), w, n, round));
                }
            }
        }
    }

    /** CNN step counts are given for batch 64: the same number of samples at other sizes, at least 5 steps. */
    private static int scaled(int stepsAt64, int batchSize) {
        return stepsAt64 == 0 ? 0 : Math.max(5, stepsAt64 * 64 / batchSize);
    }

    /** bench/python/lightning_mlp.py, found from the working directory upwards. */
    private static Path peerScript() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("bench/python/lightning_mlp.py");
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("bench/python/lightning_mlp.py not found above " + Path.of("").toAbsolutePath());
    }

    /** The list rotated by the round number, so no variant always runs first (or last). */
    private <T> List<T> rotated(List<T> items) {
        List<T> r = new ArrayList<>(items);
        Collections.rotate(r, -Math.floorMod(round, Math.max(1, r.size())));
        return r;
    }

    private static void log(String msg) {
        System.err.println("[ddp-bench] " + msg);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DdpBench()).execute(args));
    }
}
