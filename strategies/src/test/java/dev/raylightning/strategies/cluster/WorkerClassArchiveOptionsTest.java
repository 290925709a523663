package dev.raylightning.strategies.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Which options {@link WorkerClassArchive} gives worker JVMs, and which archives it keeps. */
class WorkerClassArchiveOptionsTest {

    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        System.clearProperty(WorkerClassArchive.DIR_PROPERTY);
        System.clearProperty(WorkerClassArchive.PROPERTY);
    }

    @Test
    void recordsUntilTheArchiveExistsThenMapsItAndNothingWhenTurnedOff() throws IOException {
        System.setProperty(WorkerClassArchive.DIR_PROPERTY, dir.toString());
        Path jar = Files.writeString(dir.resolve("job.jar"), "v1");
        List<String> first = WorkerClassArchive.options(List.of(jar), List.of("-Xss4m"));
        Path archive = dir.resolve(WorkerClassArchive.key(List.of(jar), List.of("-Xss4m")) + ".jsa");
        assertEquals(List.of("-XX:+RecordDynamicDumpInfo", "-Dray.lightning.class-archive-dump=" + archive), first);

        Files.writeString(archive, "archive");
        assertEquals(List.of("-XX:SharedArchiveFile=" + archive),
                WorkerClassArchive.options(List.of(jar), List.of("-Xss4m")));

        System.setProperty(WorkerClassArchive.PROPERTY, "false");
        assertEquals(List.of(), WorkerClassArchive.options(List.of(jar), List.of("-Xss4m")));
    }

    @Test
    void theKeyFollowsTheClassPathAndTheWorkerOptions() throws IOException {
        Path jar = Files.writeString(dir.resolve("job.jar"), "v1");
        String key = WorkerClassArchive.key(List.of(jar), List.of("-Xss4m"));
        assertEquals(key, WorkerClassArchive.key(List.of(jar), List.of("-Xss4m")));
        assertNotEquals(key, WorkerClassArchive.key(List.of(jar), List.of("-Xss8m")));
        Files.writeString(jar, "v2 longer");
        assertNotEquals(key, WorkerClassArchive.key(List.of(jar), List.of("-Xss4m")), "a rebuilt jar");
    }

    @Test
    void aNewRecordingKeepsTheNewestArchivesAndDropsOldPartialDumps() throws IOException {
        System.setProperty(WorkerClassArchive.DIR_PROPERTY, dir.toString());
        long now = System.currentTimeMillis();
        for (int i = 0; i < 6; i++) {
            Path a = Files.writeString(dir.resolve("workers-" + i + ".jsa"), "a");
            Files.setLastModifiedTime(a, FileTime.fromMillis(now - (6 - i) * 60_000L)); // 5 is the newest
        }
        Path stale = Files.writeString(dir.resolve("workers-x.jsa.1.partial"), "p");
        Files.setLastModifiedTime(stale, FileTime.fromMillis(now - 2 * 3_600_000L));
        Path fresh = Files.writeString(dir.resolve("workers-y.jsa.2.partial"), "p");

        WorkerClassArchive.options(List.of(), List.of("-Xss4m"));

        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("workers-3.jsa", "workers-4.jsa", "workers-5.jsa", fresh.getFileName().toString()),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
