package dev.raylightning.strategies.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.raylightning.core.util.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Ray cluster on 127.0.0.1 that this JVM starts and owns.
 *
 * <p>Why not {@code Ray.init()} without an address: Ray Java then runs {@code ray start --head} and,
 * at shutdown, {@code ray stop --force}, which kills every Ray process on the host, other
 * people's clusters included. This class instead runs {@code ray start --head --block} with its own
 * temp dir and freshly picked ports, and {@link #close()} stops exactly the processes of that
 * cluster: the process tree under the child it started, plus any process of this user whose
 * environment carries the cluster's random id (every Ray daemon and worker inherits it, so this
 * catches processes re-parented after their parent died; a {@code tail -f} of the cluster's log,
 * or another user's process, is never taken for the cluster's).
 *
 * <p>The head runs under a tiny bash watchdog: when its stdin reaches end of file, because {@link
 * #close()} closed it or because this JVM died, it sends SIGTERM to {@code ray start}, which drains
 * and stops its daemons and workers. So a crashed test JVM does not leave a cluster behind.
 */
public final class LocalRayCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalRayCluster.class);

    /** The node IP of every local cluster; only loopback is ever used. */
    public static final String NODE_IP = "127.0.0.1";

    /** Set to true to keep every cluster's temp dir (logs) by default, e.g. to debug a CI run. */
    public static final String KEEP_DIRS_PROPERTY = "ray.lightning.keep-cluster-dirs";

    /** The environment variable that marks every process of one cluster with its random id. */
    static final String CLUSTER_ID_ENV = "RAY_LIGHTNING_CLUSTER_ID";

    /** What {@code ray start} prints once all its processes are up. */
    private static final String READY_LINE = "Ray runtime started.";

    /**
     * Runs "$@" (the ray command, after the first argument) in the background and turns our
     * stdin into SIGTERM for it: a "stop" line is {@link #close()}, which then deletes the temp
     * dir itself; end of file without it means this JVM died (even by SIGKILL), and once ray has
     * stopped the watchdog removes the directory named by its first argument (empty: keep it).
     * Exits with ray's exit code. fd 3 keeps our stdin because bash gives background jobs
     * /dev/null as stdin.
     */
    private static final String WATCHDOG = String.join("\n",
            "remove=\"$1\"; shift",
            "exec 3<&0",
            "\"$@\" 3<&- &",
            "ray=$!",
            "{ read -r line <&3; kill -TERM \"$ray\" 2>/dev/null; [ \"$line\" = stop ]; } &",
            "watch=$!",
            "wait \"$ray\"; code=$?",
            "if kill -0 \"$watch\" 2>/dev/null; then kill \"$watch\" 2>/dev/null; orphaned=no;"
                    + " else wait \"$watch\" && orphaned=no || orphaned=yes; fi",
            "if [ \"$orphaned\" = yes ] && [ -n \"$remove\" ]; then rm -rf -- \"$remove\"; fi",
            "exit \"$code\"");

    /** {@code ray start} drains for up to 30 s on SIGTERM before stopping its processes. */
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(40);

    private final Process process;
    private final Path tempDir;
    private final int gcsPort;
    private final boolean keepTempDir;
    /** {@code RAY_LIGHTNING_CLUSTER_ID=<id>}, as it appears in the environment of the cluster's processes. */
    private final String idEntry;
    private final Thread shutdownHook;
    private Duration startTime = Duration.ZERO;
    private boolean closed;

    private LocalRayCluster(Builder b, Process process, Path tempDir, int gcsPort, String clusterId) {
        this.process = process;
        this.tempDir = tempDir;
        this.gcsPort = gcsPort;
        this.keepTempDir = b.keepTempDir;
        this.idEntry = CLUSTER_ID_ENV + "=" + clusterId;
        this.shutdownHook = new Thread(this::closeQuietly, "ray-cluster-stop-" + gcsPort);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a cluster with default settings (2 CPUs). */
    public static LocalRayCluster start() {
        return builder().start();
    }

    /** Returns a builder for a cluster with non-default settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** The GCS address drivers connect to, {@code 127.0.0.1:<port>}. */
    public String address() {
        return NODE_IP + ":" + gcsPort;
    }

    /** The cluster's own temp dir (sessions, logs, sockets). */
    public Path tempDir() {
        return tempDir;
    }

    /** How long {@code ray start} took until the cluster was ready. */
    public Duration startTime() {
        return startTime;
    }

    /**
     * The live processes of this cluster: the watchdog, everything below it, and any process whose
     * environment carries this cluster's id (which catches processes re-parented after their
     * parent died). Another user's processes are unreadable and so never counted.
     */
    public Set<ProcessHandle> processes() {
        Set<ProcessHandle> own = new LinkedHashSet<>();
        ProcessHandle root = process.toHandle();
        if (root.isAlive()) {
            own.add(root);
            root.descendants().forEach(own::add);
        }
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self && !own.contains(p) && carriesClusterId(p.pid()))
                .forEach(own::add);
        own.removeIf(p -> !p.isAlive());
        return own;
    }

    /** Whether process {@code pid}'s environment holds this cluster's id entry (Linux's /proc; false elsewhere). */
    boolean carriesClusterId(long pid) {
        String env;
        try {
            env = Files.readString(Path.of("/proc", Long.toString(pid), "environ"), StandardCharsets.ISO_8859_1);
        } catch (IOException | SecurityException e) {
            return false; // gone, another user's, or no /proc
        }
        // NUL-separated entries, compared whole: id "ab" never matches "abc"
        return ("\0" + env + "\0").contains("\0" + idEntry + "\0");
    }

    /**
     * Stops every process of this cluster: first gracefully (SIGTERM to {@code ray start}), then
     * SIGKILL for whatever survived. Deletes the temp dir unless asked to keep it.
     *
     * @throws IllegalStateException if a process of the cluster is still alive afterwards
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // Called from the hook itself.
        }
        Set<ProcessHandle> members = processes();
        try (var stdin = process.getOutputStream()) {
            stdin.write("stop\n".getBytes(StandardCharsets.US_ASCII)); // not an orphan: we delete the temp dir
        } catch (IOException e) {
            LOG.debug("Closing the watchdog's stdin failed; killing instead", e);
        }
        boolean graceful = waitFor(process.toHandle(), GRACEFUL_STOP);
        members.addAll(processes());
        members.removeIf(p -> !p.isAlive());
        if (!members.isEmpty()) {
            LOG.warn("Ray cluster {} did not stop in {} s; killing {} processes", address(),
                    GRACEFUL_STOP.toSeconds(), members.size());
            members.forEach(ProcessHandle::destroyForcibly);
            members.forEach(p -> waitFor(p, Duration.ofSeconds(5)));
        }
        Set<ProcessHandle> survivors = processes();
        if (!survivors.isEmpty()) {
            throw new IllegalStateException("Processes of Ray cluster " + address() + " survived: "
                    + describe(survivors) + "; logs in " + tempDir);
        }
        LOG.info("Ray cluster {} stopped{}", address(), graceful ? "" : " (forcibly)");
        if (!keepTempDir) {
            deleteRecursively(tempDir);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.warn("Stopping Ray cluster {} failed", address(), e);
        }
    }

    private static boolean waitFor(ProcessHandle p, Duration timeout) {
        try {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static String describe(Set<ProcessHandle> ps) {
        return ps.stream()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static void deleteRecursively(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            LOG.warn("Could not delete {} completely", dir, e);
        }
    }

    /** Settings of a {@link LocalRayCluster}; {@link #start()} launches it. */
    public static final class Builder {

        private int numCpus = 2;
        private long objectStoreBytes = 256L << 20;
        private Path tempParent = Path.of("/tmp");
        private Path rayExecutable;
        private Duration startTimeout = Duration.ofSeconds(90);
        private boolean keepTempDir = Boolean.getBoolean(KEEP_DIRS_PROPERTY);

        private Builder() {}

        /** CPUs the node advertises (default 2); each actor or task takes 1 unless told. */
        public Builder numCpus(int numCpus) {
            this.numCpus = numCpus;
            return this;
        }

        /** Size of the shared-memory object store (default 256 MiB; Ray's minimum is 75 MiB). */
        public Builder objectStoreBytes(long bytes) {
            this.objectStoreBytes = bytes;
            return this;
        }

        /**
         * Where the cluster's temp dir is created (default {@code /tmp}). Keep it short: Ray puts
         * Unix sockets under {@code <temp>/session_<date>_<pid>/sockets/}, and socket paths are
         * limited to 107 bytes.
         */
        public Builder tempParent(Path dir) {
            this.tempParent = dir;
            return this;
        }

        /** The {@code ray} executable (default: {@link RayBinaries#locate()}). */
        public Builder rayExecutable(Path ray) {
            this.rayExecutable = ray;
            return this;
        }

        /** How long to wait for {@code ray start} (default 90 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /**
         * Keeps the temp dir (logs) after {@link LocalRayCluster#close()}; default false unless
         * system property {@value LocalRayCluster#KEEP_DIRS_PROPERTY} is true.
         */
        public Builder keepTempDir(boolean keep) {
            this.keepTempDir = keep;
            return this;
        }

        /**
         * Starts the cluster and waits until {@code ray start} reports it ready.
         *
         * @throws IllegalStateException if Ray is missing, exits early or is not ready in time
         */
        public LocalRayCluster start() {
            Path ray = rayExecutable != null ? rayExecutable : RayBinaries.locate();
            Path tempDir = createTempDir();
            List<Integer> ports = FreePorts.pick(7);
            List<String> command = new ArrayList<>(List.of("bash", "-c", WATCHDOG, "ray-watchdog",
                    keepTempDir ? "" : tempDir.toString(), ray.toString(), "start", "--head", "--block",
                    "--node-ip-address=" + NODE_IP,
                    "--temp-dir=" + tempDir,
                    "--num-cpus=" + numCpus,
                    "--num-gpus=0",
                    "--object-store-memory=" + objectStoreBytes,
                    "--include-dashboard=false",
                    "--disable-usage-stats",
                    // Every listening port explicit and fresh, so clusters on one host never clash.
                    "--port=" + ports.get(0),
                    "--node-manager-port=" + ports.get(1),
                    "--object-manager-port=" + ports.get(2),
                    "--dashboard-agent-listen-port=" + ports.get(3),
                    "--dashboard-agent-grpc-port=" + ports.get(4),
                    "--runtime-env-agent-port=" + ports.get(5),
                    "--metrics-export-port=" + ports.get(6)));
            Path log = tempDir.resolve("ray-start.log");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            String clusterId = java.util.HexFormat.of().formatHex(randomBytes(16));
            environment(pb.environment());
            pb.environment().put(CLUSTER_ID_ENV, clusterId);
            long t0 = System.nanoTime();
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new IllegalStateException("Cannot run " + ray + " (is bash installed?)", e);
            }
            // Constructed before waiting, so its shutdown hook covers a JVM exit during start-up.
            LocalRayCluster cluster = new LocalRayCluster(this, process, tempDir, ports.get(0), clusterId);
            try {
                awaitReady(process, log);
            } catch (RuntimeException e) {
                cluster.closeQuietly();
                throw e;
            }
            cluster.startTime = Duration.ofNanos(System.nanoTime() - t0);
            LOG.info("Ray cluster {} started in {} ms (temp dir {})", cluster.address(),
                    cluster.startTime.toMillis(), tempDir);
            return cluster;
        }

        private static byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            new java.security.SecureRandom().nextBytes(b);
            return b;
        }

        private Path createTempDir() {
            try {
                Files.createDirectories(tempParent);
                return Files.createTempDirectory(tempParent, "rl-").toAbsolutePath();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create a temp dir under " + tempParent, e);
            }
        }

        /** Environment of {@code ray start}; workers and daemons inherit it. */
        private static void environment(Map<String, String> env) {
            // Java workers run the first `java` on the raylet's PATH; use this JVM's. Ray also
            // leaves Java workers out entirely when no `java` is on PATH.
            String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
            env.merge("PATH", javaBin, (old, bin) -> bin + java.io.File.pathSeparator + old);
            // Ray swaps 127.0.0.1 for the host's routable IP on Linux unless it thinks it runs on a
            // desktop (macOS/Windows); this switch keeps node IP and gRPC listeners on loopback.
            env.put("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0");
            // Never phone home.
            env.put("RAY_USAGE_STATS_ENABLED", "0");
            // Ray lowers worker processes to nice 15; on a private cluster the training threads
            // are the work, and at nice 15 they lose the CPU to every other process on the host.
            env.put("RAY_worker_niceness", "0");
        }

        private void awaitReady(Process process, Path log) {
            long deadline = System.nanoTime() + startTimeout.toNanos();
            while (System.nanoTime() < deadline) {
                String output = read(log);
                if (output.contains(READY_LINE)) {
                    return;
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("ray start exited with code " + process.exitValue()
                            + ":\n" + tail(output));
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while starting Ray", e);
                }
            }
            throw new IllegalStateException("Ray did not start within " + startTimeout.toSeconds()
                    + " s:\n" + tail(read(log)));
        }

        private static String read(Path log) {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        private static String tail(String s) {
            return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
        }
    }
}
