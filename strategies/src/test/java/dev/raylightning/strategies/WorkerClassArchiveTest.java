package dev.raylightning.strategies;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.cluster.WorkerClassArchive;
import dev.raylightning.strategies.testing.RayProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Worker JVMs of a local cluster share a class archive: the first session's rank zero writes it
 * after its first run, the workers of a later session (a new cluster, as in a new notebook) map it.
 */
class WorkerClassArchiveTest {

    @TempDir
    static Path archives;
    @TempDir
    Path root;

    @BeforeAll
    static void ownArchiveFolder() {
        RayRuntime.shutdown(); // the options are chosen when the driver connects
        System.setProperty(WorkerClassArchive.DIR_PROPERTY, archives.toString());
    }

    @AfterAll
    static void restore() {
        RayRuntime.shutdown();
        System.clearProperty(WorkerClassArchive.DIR_PROPERTY);
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theFirstSessionWritesTheArchiveAndTheNextOneMapsIt() throws Exception {
        RayProbe first = fit();
        assertEquals("[]", first.seen().get("mappedClassArchives"), "no archive existed yet");
        Path archive = awaitArchive(Duration.ofSeconds(120));
        assertTrue(Files.size(archive) > 1 << 20, "an archive of the loaded classes: " + Files.size(archive));

        RayRuntime.shutdown();
        RayProbe second = fit();
        assertEquals("[" + archive.getFileName() + "]", second.seen().get("mappedClassArchives"),
                "the next session's workers map it");
        assertEquals(List.of(archive), archiveFiles(), "nothing else was written: " + archiveFiles());
    }

    private RayProbe fit() {
        RayProbe probe = new RayProbe();
        Trainer t = Trainer.builder().defaultRootDir(root).enableProgressBar(false).seed(3).maxEpochs(1)
                .logger(false).enableCheckpointing(false).callbacks(probe)
                .strategy(RayDdpStrategy.builder(2).workerIdleTimeout(Duration.ZERO).build()).build();
        try (TinyClassifier m = new TinyClassifier(8, 0.1, "sgd")) {
            t.fit(m, RayDdpStrategyTest.data(16));
        }
        return probe;
    }

    private static Path awaitArchive(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            List<Path> files = archiveFiles();
            if (!files.isEmpty()) {
                return files.get(0);
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no archive in " + limit + "; folder holds " + listing());
    }

    private static List<Path> archiveFiles() throws IOException {
        try (Stream<Path> s = Files.list(archives)) {
            return s.filter(p -> p.toString().endsWith(".jsa")).toList();
        }
    }

    private static List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(archives)) {
            return s.toList();
        }
    }
}
