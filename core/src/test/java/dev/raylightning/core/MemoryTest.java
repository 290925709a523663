package dev.raylightning.core;

import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.ResidentMemory;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.core.callbacks.TrainerView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Long runs must not grow native memory: every step's arrays are freed. */
class MemoryTest {

    @TempDir
    Path root;

    static final class ArrayCounter implements Callback {
        final long[] atStep = new long[4201];

        @Override
        public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss,
                dev.raylightning.core.data.Batch batch, int batchIdx) {
            long step = trainer.globalStep();
            if (step < atStep.length) {
                atStep[(int) step] = module.manager().getManagedArrays().size();
            }
        }
    }

    @Test
    void twoThousandStepsDoNotGrowNativeMemory() throws IOException {
        ArrayCounter counter = new ArrayCounter();
        long[] rss = new long[2];
        Callback rssProbe = new Callback() {
            @Override
            public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss,
                    dev.raylightning.core.data.Batch batch, int batchIdx) {
                try {
                    if (trainer.globalStep() == 2200) {
                        rss[0] = ResidentMemory.settledRssKb();
                    } else if (trainer.globalStep() == 4200) {
                        rss[1] = ResidentMemory.settledRssKb();
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        // 64 batches of 64 per epoch, Adam (state buffers), validation every epoch. RSS is compared
        // over steps 2200..4200: the first ~2000 steps warm up allocator arenas and JIT (measured:
        // +45 MB, then flat to within 1 MB up to step 12200).
        Trainer t = Fixtures.quietTrainer(root).maxSteps(4200).logger(false).enableCheckpointing(false)
                .callbacks(counter, rssProbe).build();
        try (TinyClassifier m = new TinyClassifier(64, 1e-3, "adam")) {
            t.fit(m, Fixtures.blobs(4096, 256, 64));
        }
        assertEquals(4200, t.globalStep());
        long early = counter.atStep[200];
        long late = counter.atStep[4200];
        assertTrue(early > 0);
        assertEquals(early, late, "arrays owned by the module's manager after 200 vs 4200 steps");
        long growthKb = rss[1] - rss[0];
        // a leaked 64x8 float batch per step alone would add 4 MB; leaked graphs far more
        assertTrue(growthKb < 24 * 1024, "RSS grew by " + growthKb + " kB over steps 2200..4200");
    }
}
