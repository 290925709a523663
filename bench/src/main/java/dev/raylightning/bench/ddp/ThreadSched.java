package dev.raylightning.bench.ddp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The calling thread's scheduler counters on Linux, from {@code /proc/thread-self}: time on a
 * CPU, time spent runnable but waiting for a CPU (run-queue wait), and voluntary (blocked) and
 * involuntary (preempted) context switches. Differences between two readings on the training
 * thread tell waiting for a peer apart from waiting for a core. All zero where /proc is absent.
 */
record ThreadSched(long runNanos, long waitNanos, long voluntary, long involuntary) {

    private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");
    private static final Path STATUS = Path.of("/proc/thread-self/status");

    /** Reads the counters of the calling thread (two small /proc reads, a few microseconds). */
    static ThreadSched now() {
        try {
            String[] s = Files.readString(SCHEDSTAT, StandardCharsets.US_ASCII).trim().split("\\s+");
            long vol = 0;
            long invol = 0;
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith("voluntary_ctxt_switches:")) {
                    vol = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                    invol = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return new ThreadSched(Long.parseLong(s[0]), Long.parseLong(s[1]), vol, invol);
        } catch (IOException | RuntimeException e) {
            return new ThreadSched(0, 0, 0, 0);
        }
    }

    /** Counts from {@code earlier} to this reading. */
    ThreadSched minus(ThreadSched earlier) {
        return new ThreadSched(runNanos - earlier.runNanos, waitNanos - earlier.waitNanos,
                voluntary - earlier.voluntary, involuntary - earlier.involuntary);
    }
}
