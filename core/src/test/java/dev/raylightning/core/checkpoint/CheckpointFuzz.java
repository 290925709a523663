package dev.raylightning.core.checkpoint;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.EarlyStopping;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.optim.ParameterOptimizer;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checkpoint fuzz run, meant for a JVM of its own with a small heap ({@link CheckpointFuzzTest}
 * starts it with -Xmx256m): resumes a fit from every mutation of a real checkpoint and checks that
 * each ends in a {@link CheckpointException} with a message and leaves module and trainer as they
 * were, or is accepted and really restored what the mutated file holds. Prints one summary line
 * and the failures; exits with 0 only when there are none.
 *
 * <p>Arguments: a scratch directory and the seed.
 */
public final class CheckpointFuzz {

    /** Records the trainer's state as the fit starts, right after the checkpoint was loaded. */
    static final class RestoredProbe implements Callback {
        private static final long serialVersionUID = 1L;
        transient Checkpoint seen;

        @Override
        public void onFitStart(TrainerView trainer, LightningModule module) {
            seen = trainer.buildCheckpoint();
        }
    }

    private final Path dir;
    private final long seed;
    private final LightningDataModule data = Fixtures.blobs(128, 32, 32);
    private final List<String> failures = new ArrayList<>();
    private final Map<String, int[]> byKind = new TreeMap<>();

    private CheckpointFuzz(Path dir, long seed) {
        this.dir = dir;
        this.seed = seed;
    }

    public static void main(String[] args) throws Exception {
        System.exit(new CheckpointFuzz(Path.of(args[0]), Long.parseLong(args[1])).run());
    }

    private List<Callback> callbacks() {
        return List.of(ModelCheckpoint.builder().dirpath(dir.resolve("checkpoints")).monitor("val_loss").saveTopK(2)
                .saveLast(true).build(), EarlyStopping.builder("val_loss").patience(10).build());
    }

    private int run() throws Exception {
        long start = System.nanoTime();
        Path original = dir.resolve("original.ckpt");
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            Trainer t = Fixtures.quietTrainer(dir).maxEpochs(2).logger(false).callbacks(callbacks()).build();
            t.fit(m, data);
            t.saveCheckpoint(original);
        }
        RestoredProbe probe = new RestoredProbe();
        List<Callback> cbs = new ArrayList<>(callbacks());
        cbs.add(probe);
        Trainer trainer = Fixtures.quietTrainer(dir).maxEpochs(1).logger(false).callbacks(cbs).build();
        Path baseline = dir.resolve("baseline.ckpt");
        Path candidate = dir.resolve("candidate.ckpt");
        int refused = 0;
        int accepted = 0;
        List<CheckpointMutations.Mutation> mutations;
        try (TinyClassifier module = new TinyClassifier(16, 0.01, "adam")) {
            trainer.fit(module, data);
            trainer.saveCheckpoint(baseline);
            Checkpoint before = trainer.buildCheckpoint();
            mutations = CheckpointMutations.of(original, Files.readAllBytes(original), seed);
            mutations.add(0, new CheckpointMutations.Mutation("unchanged", "the real checkpoint",
                    Files.readAllBytes(original)));
            for (int i = 0; i < mutations.size(); i++) {
                CheckpointMutations.Mutation mutation = mutations.get(i);
                String name = "#" + i + " " + mutation.kind() + " (" + mutation.detail() + ")";
                int[] counts = byKind.computeIfAbsent(mutation.kind(), k -> new int[2]);
                Files.write(candidate, mutation.bytes());
                probe.seen = null;
                try {
                    trainer.fit(module, data, candidate);
                    accepted++;
                    counts[1]++;
                    check(name, acceptedCorrectly(candidate, probe.seen));
                    System.out.println("ACCEPTED " + name);
                    trainer.fit(module, data, baseline);
                    check(name + " then the baseline", differences(before, trainer.buildCheckpoint(), true));
                } catch (CheckpointException e) {
                    refused++;
                    counts[0]++;
                    check(name, e.getMessage() == null || e.getMessage().isBlank() ? "an empty message" : null);
                    check(name + " refused", differences(before, trainer.buildCheckpoint(), true));
                } catch (Throwable e) {
                    failures.add(name + ": " + e);
                }
            }
        }
        System.out.printf("FUZZ seed=%d mutations=%d refused=%d accepted=%d failures=%d heapMiB=%d seconds=%.1f%n",
                seed, mutations.size(), refused, accepted, failures.size(), Runtime.getRuntime().maxMemory() >> 20,
                (System.nanoTime() - start) / 1e9);
        byKind.forEach((k, v) -> System.out.printf("KIND %s refused=%d accepted=%d%n", k, v[0], v[1]));
        failures.stream().limit(30).forEach(f -> System.out.println("FAIL " + f));
        return failures.isEmpty() ? 0 : 1;
    }

    private void check(String name, String problem) {
        if (problem != null) {
            failures.add(name + ": " + problem);
        }
    }

    /** An accepted file must read back and be what the fit restored (learning rate aside: the schedule sets it). */
    private static String acceptedCorrectly(Path file, Checkpoint restored) {
        Checkpoint expected = CheckpointIO.read(file);
        if (restored == null) {
            return "accepted but the fit never started";
        }
        if (expected.optimizer().isEmpty()) {
            // a checkpoint without optimizer state resumes with a fresh optimizer
            if (restored.optimizer().isPresent() && Arrays.stream(restored.optimizer().get().updates()).anyMatch(u -> u != 0)) {
                return "accepted without optimizer state, but the optimizer is not fresh";
            }
            restored = new Checkpoint(restored.moduleClass(), restored.loop(), restored.weights(), null,
                    restored.hyperParameters(), restored.callbackStates(), restored.extra());
        }
        String weights = differences(expected, restored, false);
        if (weights != null) {
            return "accepted, but the restored state differs from the file: " + weights;
        }
        return null;
    }

    /** The first difference in weights, optimizer state and loop position (and callback states if asked), or null. */
    static String differences(Checkpoint a, Checkpoint b, boolean callbacksAndLoop) {
        List<NamedArray> wa = a.weights().arrays();
        List<NamedArray> wb = b.weights().arrays();
        if (wa.size() != wb.size()) {
            return "weights count " + wa.size() + " vs " + wb.size();
        }
        for (int i = 0; i < wa.size(); i++) {
            if (!wa.get(i).name().equals(wb.get(i).name()) || !Arrays.equals(wa.get(i).shape(), wb.get(i).shape())
                    || !Arrays.equals(wa.get(i).values(), wb.get(i).values())) {
                return "weights " + wa.get(i).name() + " differ";
            }
        }
        if (a.optimizer().isPresent() != b.optimizer().isPresent()) {
            return "optimizer state present in one only";
        }
        if (a.optimizer().isPresent()) {
            ParameterOptimizer.State sa = a.optimizer().get();
            ParameterOptimizer.State sb = b.optimizer().get();
            if (!sa.kind().equals(sb.kind()) || !Arrays.equals(sa.updates(), sb.updates())
                    || !Arrays.equals(sa.buffersPerParameter(), sb.buffersPerParameter())
                    || sa.buffers().size() != sb.buffers().size()) {
                return "optimizer state differs";
            }
            for (int i = 0; i < sa.buffers().size(); i++) {
                if (!Arrays.equals(sa.buffers().get(i), sb.buffers().get(i))) {
                    return "optimizer buffer " + i + " differs";
                }
            }
            if (callbacksAndLoop && sa.learningRate() != sb.learningRate()) {
                return "learning rate differs";
            }
        }
        if (a.loop().epoch() != b.loop().epoch() || a.loop().globalStep() != b.loop().globalStep()) {
            return "loop position " + a.loop() + " vs " + b.loop();
        }
        if (callbacksAndLoop && !a.loop().equals(b.loop())) {
            return "loop position " + a.loop() + " vs " + b.loop();
        }
        if (callbacksAndLoop && !a.callbackStates().equals(b.callbackStates())) {
            return "callback states " + a.callbackStates() + " vs " + b.callbackStates();
        }
        return null;
    }
}
