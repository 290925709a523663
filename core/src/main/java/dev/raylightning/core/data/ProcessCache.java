package dev.raylightning.core.data;

import static dev.raylightning.core.util.Checks.checkNotNull;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a data module read from files, kept for later runs in the same process. Ray workers stay
 * up between runs with one worker layout, so a second {@code fit}, or {@code validate} after
 * {@code fit}, can skip decoding the same files again. An entry is valid while every file it was
 * read from has the same size and modification time; values are held softly (the garbage
 * collector drops them before running out of memory), and at most {@value #MAX_ENTRIES} are
 * kept. Cached values are shared: only cache what nobody modifies.
 */
public final class ProcessCache {

    static final int MAX_ENTRIES = 8;

    /** Reads the value; may fail with an {@link IOException}. */
    @FunctionalInterface
    public interface Loader<T> {
        T load() throws IOException;
    }

    /** A file as it was when the value was read. */
    private record Stamp(Path file, long size, long modified) {
        static Stamp of(Path file) throws IOException {
            Path real = file.toRealPath();
            return new Stamp(real, Files.size(real), Files.getLastModifiedTime(real).toMillis());
        }
    }

    private record Entry(List<Stamp> stamps, SoftReference<Object> value) {}

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    private ProcessCache() {}

    /**
     * The value cached under {@code key} if the files are unchanged since it was read, else what
     * {@code loader} reads now (then cached). The key must name everything the value depends on
     * besides the files' contents (sizes, splits, options).
     */
    public static <T> T get(String key, List<Path> files, Class<T> type, Loader<T> loader) throws IOException {
        checkNotNull(key, "key");
        List<Stamp> stamps = new ArrayList<>();
        for (Path f : files) {
            stamps.add(Stamp.of(f));
        }
        synchronized (ENTRIES) {
            Entry e = ENTRIES.get(key);
            Object v = e == null ? null : e.value().get();
            if (v != null && e.stamps().equals(stamps) && type.isInstance(v)) {
                return type.cast(v);
            }
        }
        T loaded = loader.load();
        synchronized (ENTRIES) {
            ENTRIES.put(key, new Entry(stamps, new SoftReference<>(loaded)));
        }
        return loaded;
    }

    /** Drops every cached value. */
    public static void clear() {
        synchronized (ENTRIES) {
            ENTRIES.clear();
        }
    }
}
