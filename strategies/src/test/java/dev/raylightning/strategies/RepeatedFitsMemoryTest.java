package dev.raylightning.strategies;

import dev.raylightning.core.testing.ResidentMemory;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.cluster.RayRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A notebook fits many times in one JVM: the driver's resident memory, after a GC, must level
 * off rather than grow with every fit. Fits reuse their warm workers (the default), so a hundred
 * take well under a minute. Resident memory swings by 10 to 25 MB from one fit to the next and
 * back (glibc's heap in use: Ray's core worker and the JIT at work), with no trend over 300 fits,
 * so the level at fit 10 and at fit 100 is the median of the ten readings up to it.
 * {@code -Drepeated.fits=N} runs N fits; {@code -Drepeated.new-workers=true} starts new workers
 * for every fit ({@code workerIdleTimeout(ZERO)}), 5 to 14 s a fit on two cores.
 */
class RepeatedFitsMemoryTest {

    private static final int FITS = Integer.getInteger("repeated.fits", 100);
    private static final boolean NEW_WORKERS = Boolean.getBoolean("repeated.new-workers");
    private static final int WINDOW = 10;

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void hundredSmallTwoWorkerFitsDoNotGrowTheDriver() throws IOException {
        List<Long> rss = new ArrayList<>();
        for (int i = 1; i <= FITS; i++) {
            RayDdpStrategy strategy = RayDdpStrategy.builder(2)
                    .workerIdleTimeout(NEW_WORKERS ? Duration.ZERO : RayStrategyBuilder.DEFAULT_WORKER_IDLE_TIMEOUT)
                    .build();
            Trainer t = Trainer.builder().defaultRootDir(root).enableProgressBar(false).seed(3).maxEpochs(1)
                    .logger(false).enableCheckpointing(false).strategy(strategy).build();
            try (TinyClassifier m = new TinyClassifier(8, 0.1, "sgd")) {
                t.fit(m, RayDdpStrategyTest.data(64));
            }
            assertEquals(TrainerStatus.FINISHED, t.status());
            rss.add(ResidentMemory.settledRssKb());
            if (i % 10 == 0) {
                System.out.printf("after fit %d: driver RSS %d KB, %s%n", i, rss.get(i - 1), DriverMemoryProbe.details());
            }
            if (i == WINDOW) {
                DriverMemoryProbe.nativeMemory("baseline");
            }
        }
        // with -XX:NativeMemoryTracking=summary: what the JVM itself allocated since fit 10
        System.out.println(DriverMemoryProbe.nativeMemory("summary.diff"));
        long atStart = median(rss.subList(0, WINDOW));
        long atEnd = median(rss.subList(FITS - WINDOW, FITS));
        String report = String.format("driver RSS at fit %d %d KB, at fit %d %d KB (medians of %d readings); "
                + "single readings %d and %d KB; every reading: %s", WINDOW, atStart, FITS, atEnd, WINDOW,
                rss.get(WINDOW - 1), rss.get(FITS - 1), rss);
        System.out.println(report);
        assertTrue(atEnd - atStart < 10 * 1024, "grew " + (atEnd - atStart) + " KB: " + report);
    }

    private static long median(List<Long> xs) {
        List<Long> sorted = new ArrayList<>(xs);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
