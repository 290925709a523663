package dev.raylightning.strategies;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import dev.raylightning.core.testing.ResidentMemory;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link RepeatedFitsMemoryTest} reads beside the driver's resident memory: to tell a leak
 * from fragmentation, how much of glibc's heap is in use and how much is free (a leak grows the
 * first, fragmentation the second), and how much of it the JVM holds in its own arenas.
 */
final class DriverMemoryProbe {

    private static final Pattern ARENA_CHUNKS = Pattern.compile("Arena Chunk \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

    private DriverMemoryProbe() {}

    /** glibc's {@code mallinfo2()} (glibc 2.33 and later); all arenas summed. */
    interface LibC extends Library {
        MallInfo2 mallinfo2();
    }

    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost"})
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    /** One line: heap, loaded classes, threads (JVM and OS), and glibc's heap in use and free. */
    static String details() {
        Runtime rt = Runtime.getRuntime();
        return String.format("heap used %d KB, classes %d, threads %d (OS %d), %s",
                (rt.totalMemory() - rt.freeMemory()) / 1024,
                ManagementFactory.getClassLoadingMXBean().getLoadedClassCount(),
                Thread.activeCount(), osThreads(), malloc());
    }

    /**
     * Runs a {@code VM.native_memory} command ("baseline", "summary.diff") when the JVM tracks
     * native memory ({@code -XX:NativeMemoryTracking=summary}); its output, or why not.
     */
    static String nativeMemory(String command) {
        try {
            return ResidentMemory.diagnosticCommand("vmNativeMemory", command);
        } catch (IllegalStateException e) {
            return "native memory tracking unavailable: " + e;
        }
    }

    /** Bytes glibc's heap has handed out and not had back, in KB: arenas plus large mmapped blocks. */
    static long mallocInUseKb() {
        MallInfo2 m = mallinfo2();
        return (m.uordblks + m.hblkhd) / 1024;
    }

    /**
     * The C heap that the JVM holds for its arenas (the JIT's above all), in KB, from Native Memory
     * Tracking; it rises by up to 25 MB after C2 compilations and stays for dozens of fits.
     *
     * @throws IllegalStateException when the JVM does not track native memory
     */
    static long jvmArenaChunksKb() {
        String summary = nativeMemory("summary");
        Matcher m = ARENA_CHUNKS.matcher(summary);
        if (!m.find()) {
            throw new IllegalStateException("needs -XX:NativeMemoryTracking=summary (strategies/pom.xml sets it): "
                    + summary.trim());
        }
        return Long.parseLong(m.group(1));
    }

    private static MallInfo2 mallinfo2() {
        return LibCHolder.LIBC.mallinfo2();
    }

    /** Loaded on first use, once: a reading inside a loop of fits should not load the library again. */
    private static final class LibCHolder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    /** The process's OS threads. */
    static int osThreads() {
        String[] tasks = new File("/proc/self/task").list();
        return tasks == null ? -1 : tasks.length;
    }

    private static String malloc() {
        try {
            MallInfo2 m = mallinfo2();
            return String.format("malloc in use %d KB, free %d KB", m.uordblks / 1024, m.fordblks / 1024);
        } catch (LinkageError | RuntimeException e) { // no glibc 2.33, or the holder failed to load it
            return "malloc statistics unavailable";
        }
    }
}
