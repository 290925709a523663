package dev.raylightning.strategies;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;

import java.io.File;
import java.lang.management.ManagementFactory;

/**
 * What {@link RepeatedFitsMemoryTest} reports beside the driver's resident memory: to tell a
 * leak from fragmentation, how much of glibc's heap is in use and how much is free (a leak grows
 * the first, fragmentation the second).
 */
final class DriverMemoryProbe {

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
        String[] tasks = new File("/proc/self/task").list();
        return String.format("heap used %d KB, classes %d, threads %d (OS %d), %s",
                (rt.totalMemory() - rt.freeMemory()) / 1024,
                ManagementFactory.getClassLoadingMXBean().getLoadedClassCount(),
                Thread.activeCount(), tasks == null ? -1 : tasks.length, malloc());
    }

    /**
     * Runs a {@code VM.native_memory} command ("baseline", "summary.diff") when the JVM tracks
     * native memory ({@code -XX:NativeMemoryTracking=summary}); its output, or why not.
     */
    static String nativeMemory(String command) {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                    new Object[] {new String[] {command}}, new String[] {String[].class.getName()});
            return String.valueOf(out);
        } catch (javax.management.JMException | RuntimeException e) {
            return "native memory tracking unavailable: " + e;
        }
    }

    private static String malloc() {
        try {
            MallInfo2 m = Native.load("c", LibC.class).mallinfo2();
            return String.format("malloc in use %d KB, free %d KB", m.uordblks / 1024, m.fordblks / 1024);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return "malloc statistics unavailable";
        }
    }
}
