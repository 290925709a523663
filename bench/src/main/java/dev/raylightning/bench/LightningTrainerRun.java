package dev.raylightning.bench;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.examples.FashionMnistClassifier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Our side: the example's {@link FashionMnistClassifier} (MLP, 128 hidden, Adam 1e-3) trained by
 * {@link Trainer} with everything that is not the loop switched off: no logger, no checkpoints,
 * no progress bar, no sanity check, no validation. The module still calls {@code log} each step,
 * as the example does (except in the {@code trainer-nolog} variant).
 */
public final class LightningTrainerRun {

    private LightningTrainerRun() {}

    /**
     * Trains a fresh module for {@code spec.totalSteps()} steps, timing the last {@code spec.steps()}
     * with {@code clock}, which also takes turns with the other parties of its ring.
     */
    static Measurement run(TrainData data, RunSpec spec, int round, Variant variant, TurnClock clock) {
        int prefetch = switch (variant) {
            case TRAINER, TRAINER_NO_LOG -> 2; // the loader's default, spelled out so a change of default cannot skew the bench
            case TRAINER_NO_PREFETCH -> 0;
            default -> throw new IllegalArgumentException("not a trainer variant: " + variant);
        };
        DataLoader loader = DataLoader.builder(data.dataset())
                .batchSize(spec.batchSize()).shuffle(true).seed(spec.seed()).dropLast(true).prefetch(prefetch).build();
        TurnCallback timer = new TurnCallback(clock);
        Path rootDir = tempDir();
        Trainer trainer = Trainer.builder()
                .maxSteps(spec.totalSteps())
                .seed(spec.seed())
                .logger(false)
                .enableCheckpointing(false)
                .enableProgressBar(false)
                .numSanityValSteps(0)
                .defaultRootDir(rootDir)
                .callbacks(timer)
                .build();
        try (LightningModule module = variant == Variant.TRAINER_NO_LOG ? new SilentMlpModule()
                : new FashionMnistClassifier(FashionMnistClassifier.Architecture.MLP, 128, 1e-3)) {
            trainer.fit(module, loader, null);
        } finally {
            deleteQuietly(rootDir);
        }
        if (trainer.globalStep() != spec.totalSteps()) {
            throw new IllegalStateException("trainer stopped at step " + trainer.globalStep() + " of " + spec.totalSteps());
        }
        return new Measurement(variant, spec, round, clock.seconds(), timer.lastLoss(), clock.phaseMicrosPerStep());
    }

    // Nothing should be written with logger and checkpoints off; a temp root makes sure of it.
    private static Path tempDir() {
        try {
            return Files.createTempDirectory("trainer-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a non-empty dir means something was written; leave it for inspection
        }
    }
}
