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
 * A notebook fits many times in one JVM: the driver's memory, after a GC, must level off rather
 * than grow with every fit. Fits reuse their warm workers (the default), so a hundred take well
 * under a minute. Three things move without a leak: the JVM's arenas in the C heap (the JIT's:
 * up by 10 to 25 MB after C2 compilations, for dozens of fits), the Java heap's resident pages
 * (which only show the regions G1 has touched) and the free memory that glibc keeps resident,
 * scattered in its arenas. So the test reads, after every fit, what a leak would grow, and
 * compares the lower quartile of thirty readings early and late (fits 11 to 40 and 71 to 100 of
 * a hundred): a leak lifts the floor, a phase of high readings does not.
 * <ul>
 *   <li>the Java heap in use, within 2 MB;
 *   <li>glibc's heap in use (bytes handed out and not freed) less the JVM's arenas, within 5 MB;
 *   <li>the OS threads, at most 2 more;
 *   <li>the resident memory less the Java heap's and the JVM's arenas, within 20 MB: it also holds
 *       glibc's free memory.
 * </ul>
 * The JVM's arenas come from Native Memory Tracking, which strategies/pom.xml turns on.
 * {@code -Drepeated.fits=N} runs N fits; {@code -Drepeated.new-workers=true} starts new workers
 * for every fit ({@code workerIdleTimeout(ZERO)}), 5 to 14 s a fit on two cores.
 */
class RepeatedFitsMemoryTest {

    private static final int FITS = Integer.getInteger("repeated.fits", 100);
    private static final boolean NEW_WORKERS = Boolean.getBoolean("repeated.new-workers");
    /** Readings per level; the early level starts after the first tenth of the fits (warm-up). */
    private static final int WINDOW = FITS * 3 / 10;
    private static final int SKIP = FITS / 10;

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void hundredSmallTwoWorkerFitsDoNotGrowTheDriver() throws IOException {
        assertTrue(FITS >= 20, "repeated.fits must be at least 20 to compare two levels, was " + FITS);
        List<Long> rss = new ArrayList<>();
        List<Long> outsideHeap = new ArrayList<>();
        List<Long> heapUsed = new ArrayList<>();
        List<Long> mallocInUse = new ArrayList<>();
        List<Long> threads = new ArrayList<>();
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
            long settled = ResidentMemory.settledRssKb();
            long arenas = DriverMemoryProbe.jvmArenaChunksKb();
            rss.add(settled);
            outsideHeap.add(settled - ResidentMemory.javaHeapRssKb() - arenas);
            heapUsed.add((Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1024);
            mallocInUse.add(DriverMemoryProbe.mallocInUseKb() - arenas);
            threads.add((long) DriverMemoryProbe.osThreads());
            if (i % 10 == 0) {
                System.out.printf("after fit %d: driver RSS %d KB (%d outside the Java heap and JVM arenas), "
                        + "JVM arenas %d KB, %s%n", i, settled, outsideHeap.get(i - 1), arenas, DriverMemoryProbe.details());
            }
            if (i == SKIP) {
                DriverMemoryProbe.nativeMemory("baseline");
            }
        }
        // with -XX:NativeMemoryTracking=summary: what the JVM itself allocated since the warm-up
        System.out.println(DriverMemoryProbe.nativeMemory("summary.diff"));
        Levels outside = new Levels(outsideHeap);
        Levels heap = new Levels(heapUsed);
        Levels malloc = new Levels(mallocInUse);
        Levels osThreads = new Levels(threads);
        String report = String.format("lower quartiles over fits %d-%d and %d-%d: RSS less Java heap and JVM arenas %d "
                + "and %d KB, Java heap in use %d and %d KB, glibc heap in use less JVM arenas %d and %d KB, OS threads "
                + "%d and %d; RSS at fits %d and %d: %d and %d KB; every reading of RSS less heap and arenas: %s; "
                + "of glibc in use less arenas: %s",
                SKIP + 1, SKIP + WINDOW, FITS - WINDOW + 1, FITS, outside.early, outside.late, heap.early, heap.late,
                malloc.early, malloc.late, osThreads.early, osThreads.late, SKIP + WINDOW, FITS,
                rss.get(SKIP + WINDOW - 1), rss.get(FITS - 1), outsideHeap, mallocInUse);
        System.out.println(report);
        assertAll(
                () -> assertTrue(heap.growth() < 2 * 1024, "Java heap in use grew " + heap.growth() + " KB: " + report),
                () -> assertTrue(malloc.growth() < 5 * 1024, "glibc heap in use less JVM arenas grew " + malloc.growth() + " KB: " + report),
                () -> assertTrue(osThreads.growth() <= 2, "OS threads grew by " + osThreads.growth() + ": " + report),
                () -> assertTrue(outside.growth() < 20 * 1024,
                        "RSS less Java heap and JVM arenas grew " + outside.growth() + " KB: " + report));
    }

    /** The lower quartile of a series early (after the warm-up) and late. */
    private record Levels(long early, long late) {
        Levels(List<Long> series) {
            this(lowerQuartile(series.subList(SKIP, SKIP + WINDOW)), lowerQuartile(series.subList(FITS - WINDOW, FITS)));
        }

        long growth() {
            return late - early;
        }
    }

    private static long lowerQuartile(List<Long> xs) {
        List<Long> sorted = new ArrayList<>(xs);
        sorted.sort(null);
        return sorted.get((sorted.size() - 1) / 4);
    }
}
