package dev.raylightning.strategies;

import dev.raylightning.core.testing.ResidentMemory;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.cluster.RayRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A notebook fits many times in one JVM: the driver's resident memory, after a GC, must level
 * off rather than grow with every fit. A hundred fits take 8 to 14 minutes on two cores, more
 * than the suite can spend, so it runs only when asked for:
 * {@code mvn -pl strategies test -Dtest=RepeatedFitsMemoryTest -Drepeated.fits=100}; the default
 * suite reports it as skipped.
 */
class RepeatedFitsMemoryTest {

    private static final int FITS = Integer.getInteger("repeated.fits", 100);

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    @Test
    @EnabledIfSystemProperty(named = "repeated.fits", matches = "\\d+")
    @Timeout(value = 30, unit = TimeUnit.MINUTES) // 5 to 14 s a fit on 2 busy cores
    void hundredSmallTwoWorkerFitsDoNotGrowTheDriver() throws IOException {
        List<Long> rss = new ArrayList<>();
        for (int i = 1; i <= FITS; i++) {
            Trainer t = Trainer.builder().defaultRootDir(root).enableProgressBar(false).seed(3).maxEpochs(1)
                    .logger(false).enableCheckpointing(false).strategy(new RayDdpStrategy(2, 1, false)).build();
            try (TinyClassifier m = new TinyClassifier(8, 0.1, "sgd")) {
                t.fit(m, RayDdpStrategyTest.data(64));
            }
            assertEquals(TrainerStatus.FINISHED, t.status());
            if (i % 10 == 0) {
                rss.add(ResidentMemory.settledRssKb());
                System.out.printf("after fit %d: driver RSS %d KB, %s%n", i, rss.get(rss.size() - 1),
                        DriverMemoryProbe.details());
            }
        }
        long growthKb = rss.get(rss.size() - 1) - rss.get(0);
        assertTrue(growthKb < 10 * 1024, "driver RSS grew " + growthKb + " KB from fit 10 to fit " + FITS + ": " + rss);
    }
}
