package dev.raylightning.core.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class ProcessCacheTest {

    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        ProcessCache.clear();
    }

    private final AtomicInteger loads = new AtomicInteger();

    private String read(Path f) throws IOException {
        loads.incrementAndGet();
        return Files.readString(f);
    }

    @Test
    void aSecondReadOfUnchangedFilesIsTheCachedValue() throws IOException {
        Path f = Files.writeString(dir.resolve("a.txt"), "one");
        String first = ProcessCache.get("k", List.of(f), String.class, () -> read(f));
        String second = ProcessCache.get("k", List.of(f), String.class, () -> read(f));
        assertSame(first, second);
        assertEquals(1, loads.get());
    }

    @Test
    void aChangedFileIsReadAgain() throws IOException {
        Path f = Files.writeString(dir.resolve("a.txt"), "one");
        ProcessCache.get("k", List.of(f), String.class, () -> read(f));
        Files.writeString(f, "two!");
        assertEquals("two!", ProcessCache.get("k", List.of(f), String.class, () -> read(f)), "new size");
        Files.writeString(f, "six!");
        Files.setLastModifiedTime(f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 5_000));
        assertEquals("six!", ProcessCache.get("k", List.of(f), String.class, () -> read(f)), "same size, new time");
        assertEquals(3, loads.get());
    }

    @Test
    void keysFailuresAndTheEntryLimit() throws IOException {
        Path f = Files.writeString(dir.resolve("a.txt"), "one");
        ProcessCache.get("k", List.of(f), String.class, () -> read(f));
        ProcessCache.get("other", List.of(f), String.class, () -> read(f));
        assertEquals(2, loads.get(), "another key is another value");
        assertThrows(IOException.class, () -> ProcessCache.get("bad", List.of(f), String.class, () -> {
            throw new IOException("broken");
        }));
        ProcessCache.get("bad", List.of(f), String.class, () -> read(f));
        assertEquals(3, loads.get(), "a failed load caches nothing");
        assertThrows(IOException.class, () -> ProcessCache.get("gone", List.of(dir.resolve("missing")), String.class,
                () -> read(f)), "a missing file fails before loading");
        for (int i = 0; i < ProcessCache.MAX_ENTRIES; i++) {
            ProcessCache.get("fill" + i, List.of(f), String.class, () -> read(f));
        }
        int before = loads.get();
        ProcessCache.get("k", List.of(f), String.class, () -> read(f));
        assertEquals(before + 1, loads.get(), "the least recently used entry was dropped");
    }
}
