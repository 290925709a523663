package dev.raylightning.strategies.launcher;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Lowers the scheduling priority of this JVM's JIT compiler threads, so that in a worker whose
 * training thread keeps its core busy the compiler takes only the CPU that training leaves. A new
 * worker's C2 thread compiles DJL's block-forward chain for most of its first minute (single
 * compilations of 0.7 s); on a machine with one core per worker that time came out of training.
 * On an idle core the compiler runs as fast as before. Only the threads present when this runs are
 * changed; HotSpot adds compiler threads from a compiler thread, and Linux threads start with the
 * niceness of the thread that creates them. Linux only; elsewhere nothing changes.
 */
final class CompilerThreads {

    private static final Logger LOG = LoggerFactory.getLogger(CompilerThreads.class);

    /** Worker JVM option: the niceness of the compiler threads; 0 leaves them alone. */
    static final String NICENESS_PROPERTY = "ray.lightning.jit-niceness";
    /** Default niceness (the range is 0 to 19; an unprivileged process may only raise it). */
    static final int DEFAULT_NICENESS = 19;

    private static final Path TASKS = Path.of("/proc/self/task");
    /** setpriority's "which" for one thread (a Linux task id) */
    private static final int PRIO_PROCESS = 0;

    private CompilerThreads() {}

    interface CLibrary extends Library {
        int setpriority(int which, int who, int prio);
    }

    /** Applies the niceness from {@link #NICENESS_PROPERTY}; returns how many threads it changed. */
    static int lowerPriority() {
        int niceness;
        try {
            niceness = Integer.parseInt(System.getProperty(NICENESS_PROPERTY, Integer.toString(DEFAULT_NICENESS)).trim());
        } catch (NumberFormatException e) {
            LOG.warn("Ignoring {}={}: not a number", NICENESS_PROPERTY, System.getProperty(NICENESS_PROPERTY));
            return 0;
        }
        if (niceness < 0 || niceness > 19) {
            LOG.warn("Ignoring {}={}: the niceness must be from 0 to 19", NICENESS_PROPERTY, niceness);
            return 0;
        }
        return niceness == 0 || !Platform.isLinux() ? 0 : lowerPriority(niceness);
    }

    private static int lowerPriority(int niceness) {
        List<Path> tasks;
        try (Stream<Path> s = Files.list(TASKS)) {
            tasks = s.toList();
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not list this JVM's threads", e);
            return 0;
        }
        int changed = 0;
        try {
            CLibrary c = Native.load("c", CLibrary.class);
            for (Path task : tasks) {
                if (isCompilerThread(task) && c.setpriority(PRIO_PROCESS, Integer.parseInt(task.getFileName().toString()),
                        niceness) == 0) {
                    changed++;
                }
            }
        } catch (LinkageError | RuntimeException e) {
            // no JNA native support or no C library: the compiler keeps its priority, which only costs speed
            LOG.debug("Could not lower the JIT compiler threads' priority", e);
        }
        return changed;
    }

    private static boolean isCompilerThread(Path task) {
        try {
            String name = Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).strip();
            return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
        } catch (IOException | RuntimeException e) {
            return false; // the thread ended meanwhile
        }
    }
}
