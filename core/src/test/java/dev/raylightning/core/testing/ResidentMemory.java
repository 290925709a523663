package dev.raylightning.core.testing;

import javax.management.JMException;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** This process's resident memory, as Linux reports it in {@code /proc/self/status} and {@code smaps}. */
public final class ResidentMemory {

    private static final Pattern HEAP_RANGE = Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)");
    private static final Pattern MAPPING = Pattern.compile("^([0-9a-f]+)-([0-9a-f]+) .*");

    private ResidentMemory() {}

    /** VmRSS in KB. */
    public static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    /** VmRSS in KB after a few GCs, so garbage Java objects and the native memory they hold are gone. */
    public static long settledRssKb() throws IOException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rssKb();
    }

    /**
     * The resident part of the Java heap's reservation in KB: the pages the collector has touched,
     * whatever is live in them. It grows as G1 first allocates into committed regions, up to the
     * committed heap, which is why a leak check separates it from the rest of the resident memory.
     */
    public static long javaHeapRssKb() throws IOException {
        long[] range = javaHeapRange();
        long kb = 0;
        boolean inHeap = false;
        List<String> smaps = Files.readAllLines(Path.of("/proc/self/smaps"));
        for (String line : smaps) {
            Matcher m = MAPPING.matcher(line);
            if (m.matches()) {
                long start = Long.parseUnsignedLong(m.group(1), 16);
                long end = Long.parseUnsignedLong(m.group(2), 16);
                inHeap = start < range[1] && end > range[0];
            } else if (inHeap && line.startsWith("Rss:")) {
                kb += Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        return kb;
    }

    /** The heap's reserved address range {start, end}, from the JVM's {@code GC.heap_info} command. */
    private static long[] javaHeapRange() {
        String info = diagnosticCommand("gcHeapInfo");
        Matcher m = HEAP_RANGE.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("no heap range in GC.heap_info: " + info);
        }
        return new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)};
    }

    /**
     * Runs one of HotSpot's diagnostic commands as jcmd would ({@code gcHeapInfo} for
     * GC.heap_info, {@code vmNativeMemory} for VM.native_memory) and returns its output.
     *
     * @throws IllegalStateException when this JVM has no such command
     */
    public static String diagnosticCommand(String operation, String... arguments) {
        try {
            return String.valueOf(ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
                    new Object[] {arguments}, new String[] {String[].class.getName()}));
        } catch (JMException | RuntimeException e) {
            throw new IllegalStateException("diagnostic command " + operation + " unavailable", e);
        }
    }
}
