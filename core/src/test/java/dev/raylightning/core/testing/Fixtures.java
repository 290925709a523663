package dev.raylightning.core.testing;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.data.DataLoader;

import java.nio.file.Path;

/** Shared trainer and data settings for tests: quiet, seeded, small. */
public final class Fixtures {

    private Fixtures() {}

    public static LightningDataModule blobs(int trainSize, int valSize, int batch) {
        DataLoader train = DataLoader.builder(Blobs.dataset(trainSize, 1)).batchSize(batch).shuffle(true).seed(7).build();
        DataLoader val = DataLoader.builder(Blobs.dataset(valSize, 2)).batchSize(batch).build();
        DataLoader test = DataLoader.builder(Blobs.dataset(valSize, 3)).batchSize(batch).build();
        return LightningDataModule.of(train, val, test, test);
    }

    public static Trainer.Builder quietTrainer(Path root) {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).seed(42);
    }
}
