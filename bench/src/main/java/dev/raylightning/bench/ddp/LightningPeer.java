package dev.raylightning.bench.ddp;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The PyTorch Lightning peer of a Java throughput run ({@code bench/python/lightning_mlp.py}),
 * started right next to it so both see the same neighbours on a shared machine. The JVM waits
 * for it, so Java and Python never train at the same time; the idle private Ray cluster stays up
 * meanwhile (its daemons use well under 1% of a core).
 */
final class LightningPeer {

    private final Path python;
    private final Path script;
    private final Path dataDir;
    private final Path log;

    LightningPeer(Path python, Path script, Path dataDir, Path log) {
        this.python = python;
        this.script = script;
        this.dataDir = dataDir;
        this.log = log;
    }

    /** Lightning's counterpart of a variant: one process for single, DDP for two workers, DDP with torch's ZeroRedundancyOptimizer for sharded2, none for ray1. */
    static Optional<String> modeFor(DdpVariant v) {
        return switch (v) {
            case SINGLE -> Optional.of("lightning");
            case RAY2, HOROVOD2, HOROVOD2_FP16, HOROVOD2_BF16 -> Optional.of("lightning-ddp");
            case SHARDED2 -> Optional.of("lightning-ddp-zero");
            case RAY1 -> Optional.empty();
        };
    }

    /** Runs one Lightning throughput measurement; its JSON line with the round added. */
    JsonObject run(String mode, String model, int batchSize, int warmup, int steps, int round) {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), script.toString(), "--mode", mode, "--model", model,
                "--optimizer", "adam", "--lr", "0.001", "--batch-size", Integer.toString(batchSize), "--threads", "1",
                "--warmup", Integer.toString(warmup), "--steps", Integer.toString(steps), "--data", dataDir.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("OMP_NUM_THREADS", "1");
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            int rc = p.waitFor();
            String last = out.isEmpty() ? "" : out.substring(out.lastIndexOf('\n') + 1);
            if (rc != 0 || !last.startsWith("{")) {
                throw new IllegalStateException("the Lightning peer failed (exit " + rc + "; see " + log + "): " + cmd);
            }
            JsonObject o = JsonParser.parseString(last).getAsJsonObject();
            o.addProperty("round", round);
            return o;
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the Lightning peer ran", e);
        }
    }
}
