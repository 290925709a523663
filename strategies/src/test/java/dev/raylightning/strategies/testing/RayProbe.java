package dev.raylightning.strategies.testing;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.strategies.launcher.RayLauncher;
import dev.raylightning.core.callbacks.TrainerView;
import io.ray.api.Ray;
import io.ray.api.runtimecontext.ActorInfo;
import io.ray.api.runtimecontext.ActorState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A callback that runs on the workers and reports, through its state (which returns to the
 * driver from rank zero), what the workers saw: alive worker actors and the nodes they run on,
 * ranks (global, node, local), process ids and
 * rank zero's own callback metrics at the end of fit.
 */
public final class RayProbe implements Callback {

    private static final long serialVersionUID = 1L;

    private final Map<String, Object> seen = new LinkedHashMap<>();
    private final boolean countLoggerWakeups;

    public RayProbe() {
        this(false);
    }

    /** With {@code countLoggerWakeups}, also counts the wake-ups of log4j's async thread over half a second. */
    public RayProbe(boolean countLoggerWakeups) {
        this.countLoggerWakeups = countLoggerWakeups;
    }

    @Override
    public void onTrainEpochStart(TrainerView trainer, LightningModule module) {
        if (!Ray.isInitialized()) {
            return;
        }
        long alive = 0;
        java.util.Set<String> nodes = new java.util.HashSet<>();
        for (ActorInfo a : Ray.getRuntimeContext().getAllActorInfo()) {
            if (a.state == ActorState.ALIVE && String.valueOf(a.name).startsWith(RayLauncher.NAME_PREFIX)) {
                alive++;
                nodes.add(String.valueOf(a.address == null ? null : a.address.nodeId));
            }
        }
        seen.put("aliveActors", (double) alive);
        seen.put("workerNodes", (double) nodes.size());
        seen.put("nodeRank", (double) trainer.strategy().nodeRank());
        seen.put("localRank", (double) trainer.strategy().localRank());
        seen.put("worldSize", (double) trainer.strategy().worldSize());
        seen.put("globalRank", (double) trainer.strategy().globalRank());
        seen.put("pid", (double) ProcessHandle.current().pid());
        seen.put("torchThreads", String.valueOf(System.getProperty("ai.djl.pytorch.num_threads")));
        seen.put("initHook", String.valueOf(System.getProperty("ray.lightning.test.init-hook")));
        seen.put("enginePreloaded", String.valueOf(System.getProperty("ray.lightning.engine-preloaded")));
        seen.put("strategy", trainer.strategy().toString());
        seen.put("compilerNiceness", compilerNiceness().toString());
        seen.put("trainingNiceness", ownNiceness().toString());
        seen.put("mappedClassArchives", mappedClassArchives().toString());
        if (countLoggerWakeups && !seen.containsKey("loggerWakeups")) {
            seen.put("loggerWakeups", (double) loggerWakeups());
        }
    }

    /**
     * Voluntary context switches of this JVM's log4j async-logger threads during 500 ms, or -1
     * when there is no such thread: a thread that polls with a timeout wakes about 50 times.
     */
    private static long loggerWakeups() {
        long before = loggerSwitches();
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return before < 0 ? -1 : loggerSwitches() - before;
    }

    private static long loggerSwitches() {
        long total = -1;
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path t : tasks.toList()) {
                if (!java.nio.file.Files.readString(t.resolve("comm")).startsWith("Log4j2-TF-")) {
                    continue;
                }
                for (String line : java.nio.file.Files.readAllLines(t.resolve("status"))) {
                    if (line.startsWith("voluntary_ctxt_switches:")) {
                        total = Math.max(total, 0) + Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return total;
    }

    /** File names of the class-data-sharing archives this JVM maps, other than the JDK's own. */
    private static java.util.SortedSet<String> mappedClassArchives() {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        String jdk = System.getProperty("java.home");
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                String file = slash < 0 ? "" : line.substring(slash);
                if (file.endsWith(".jsa") && !file.startsWith(jdk)) {
                    out.add(java.nio.file.Path.of(file).getFileName().toString());
                }
            }
        } catch (java.io.IOException e) {
            out.add("unreadable: " + e.getMessage());
        }
        return out;
    }

    /** Distinct nice values of this JVM's JIT compiler threads (Linux). */
    private static java.util.SortedSet<Integer> compilerNiceness() {
        java.util.SortedSet<Integer> out = new java.util.TreeSet<>();
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path t : tasks.toList()) {
                String stat = java.nio.file.Files.readString(t.resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    out.add(nice(stat));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /** The calling thread's nice value (Linux). */
    private static java.util.SortedSet<Integer> ownNiceness() {
        try {
            return new java.util.TreeSet<>(java.util.Set.of(
                    nice(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat")))));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The nice field of a /proc stat line: after the command, state is the 1st field, nice the 17th. */
    private static int nice(String stat) {
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
    }

    @Override
    public void onFitEnd(TrainerView trainer, LightningModule module) {
        seen.put("rankZeroCallbackMetrics", new LinkedHashMap<>(trainer.callbackMetrics()));
    }

    @Override
    public Map<String, Object> stateDict() {
        return new LinkedHashMap<>(seen);
    }

    @Override
    public void loadStateDict(Map<String, Object> state) {
        seen.clear();
        seen.putAll(state);
    }

    public Map<String, Object> seen() {
        return seen;
    }
}
