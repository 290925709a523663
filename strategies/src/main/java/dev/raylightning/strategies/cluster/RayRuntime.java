package dev.raylightning.strategies.cluster;

import io.ray.api.Ray;
import io.ray.api.runtimecontext.NodeInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * This JVM's Ray: a connection to the cluster named by {@code ray.address} (system property) or
 * {@code RAY_ADDRESS}, or else a private local cluster on 127.0.0.1 that this JVM starts and
 * stops (also at JVM exit). Ray's Java runtime is a JVM-wide singleton, so this is too: every
 * Ray strategy in the JVM shares it, across any number of {@code fit} calls. Inside a Ray worker
 * process (a Tune trial, say) it is the connection Ray already made.
 */
public final class RayRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(RayRuntime.class);
    /** System property: extra JVM options for every Ray worker JVM of this job, space-separated. */
    public static final String WORKER_JVM_OPTIONS_PROPERTY = "ray.lightning.worker-jvm-options";
    /** System property: CPUs of the local cluster (default: this machine's processors). */
    public static final String NUM_CPUS_PROPERTY = "ray.lightning.num-cpus";

    private static RayRuntime current;
    /** Run at every shutdown, before the driver disconnects (what holds actors releases them). */
    private static final List<Runnable> BEFORE_SHUTDOWN = new ArrayList<>();

    private final String address;
    private final LocalRayCluster cluster;
    private final RayDriver driver;

    private RayRuntime(String address, LocalRayCluster cluster, RayDriver driver) {
        this.address = address;
        this.cluster = cluster;
        this.driver = driver;
    }

    /** Connects (or starts a local cluster and connects) on first use; later calls reuse it. */
    public static synchronized RayRuntime get() {
        if (current == null) {
            current = start();
            Runtime.getRuntime().addShutdownHook(new Thread(RayRuntime::shutdownQuietly, "ray-runtime-shutdown"));
        }
        return current;
    }

    /** Whether this JVM is connected. */
    public static synchronized boolean isConnected() {
        return current != null;
    }

    /** Registers code that runs at every {@link #shutdown()} (also at JVM exit) while Ray is still connected. */
    public static synchronized void beforeShutdown(Runnable hook) {
        BEFORE_SHUTDOWN.add(hook);
    }

    /** Disconnects and stops the local cluster if this JVM started it. */
    public static synchronized void shutdown() {
        if (current == null) {
            return;
        }
        for (Runnable hook : BEFORE_SHUTDOWN) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                LOG.warn("A shutdown step failed", e);
            }
        }
        RayRuntime r = current;
        current = null;
        try {
            if (r.driver != null) {
                r.driver.close();
            }
        } finally {
            if (r.cluster != null) {
                r.cluster.close();
            }
        }
    }

    private static void shutdownQuietly() {
        try {
            shutdown();
        } catch (RuntimeException e) {
            LOG.warn("Stopping Ray failed", e);
        }
    }

    private static RayRuntime start() {
        if (Ray.isInitialized()) {
            // this JVM is a Ray worker (e.g. a Tune trial actor): Ray is already connected
            return new RayRuntime("the cluster of this Ray worker", null, null);
        }
        String address = System.getProperty("ray.address");
        if (address == null || address.isBlank()) {
            address = System.getenv("RAY_ADDRESS");
        }
        LocalRayCluster cluster = null;
        if (address == null || address.isBlank() || address.equals("auto")) {
            int cpus = Integer.getInteger(NUM_CPUS_PROPERTY, Runtime.getRuntime().availableProcessors());
            LOG.info("No ray.address or RAY_ADDRESS set: starting a local Ray cluster with {} CPUs on 127.0.0.1", cpus);
            cluster = LocalRayCluster.builder().numCpus(cpus).start();
            address = cluster.address();
        }
        try {
            List<Path> codeSearchPath = codeSearchPath();
            List<String> workerOptions = new ArrayList<>(workerJvmOptions());
            if (cluster != null) {
                workerOptions.addAll(WorkerClassArchive.options(codeSearchPath, workerOptions));
            }
            RayDriver driver = RayDriver.to(address)
                    .codeSearchPath(codeSearchPath)
                    .workerJvmOptions(workerOptions)
                    .connect();
            return new RayRuntime(address, cluster, driver);
        } catch (RuntimeException | Error e) {
            if (cluster != null) {
                cluster.close();
            }
            throw e;
        }
    }

    /**
     * Worker JVM options: a 4 MiB stack (DJL's native calls), DJL offline, and the serial
     * collector unless {@link #WORKER_JVM_OPTIONS_PROPERTY} picks another. A training worker's
     * heap churns little (tensors live in native memory), and G1's concurrent and parallel GC
     * threads took CPU from the training thread: serial GC gave 11 to 18% more 2-worker CNN
     * samples/s on 2 cores (docs/benchmarks.md). Ray's async root logger waits for events by
     * blocking instead of log4j's default of waking every 10 ms: that thread woke each worker about
     * 100 times a second, each time taking a core from a training thread (a later
     * {@code -DAsyncLoggerConfig.WaitStrategy} in the extra options wins).
     */
    static List<String> workerJvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xss4m", "-Dai.djl.offline=true",
                "-DAsyncLoggerConfig.WaitStrategy=Block"));
        String extra = System.getProperty(WORKER_JVM_OPTIONS_PROPERTY, "").trim();
        List<String> extras = extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
        if (extras.stream().noneMatch(o -> o.matches("-XX:\\+Use\\w+GC"))) {
            options.add("-XX:+UseSerialGC");
        }
        options.addAll(extras);
        return options;
    }

    /** The cluster's GCS address. */
    public String address() {
        return address;
    }

    /** Whether this JVM is one of Ray's worker processes rather than a driver. */
    public boolean isInsideWorker() {
        return driver == null;
    }

    /** Whether this JVM started the cluster itself. */
    public boolean isLocal() {
        return cluster != null;
    }

    /** The temp dir (logs, sessions) of the local cluster this JVM started, if it started one. */
    public java.util.Optional<Path> localClusterTempDir() {
        return cluster == null ? java.util.Optional.empty() : java.util.Optional.of(cluster.tempDir());
    }

    /** The live processes of the local cluster this JVM started (empty when connected elsewhere). */
    public java.util.Set<ProcessHandle> localClusterProcesses() {
        return cluster == null ? java.util.Set.of() : cluster.processes();
    }

    /** Nodes of the cluster that are alive. */
    public int aliveNodes() {
        int n = 0;
        for (NodeInfo node : Ray.getRuntimeContext().getAllNodeInfo()) {
            if (node.isAlive) {
                n++;
            }
        }
        return n;
    }

    /** Total CPUs of all alive nodes. */
    public double totalCpus() {
        double cpus = 0;
        for (NodeInfo n : Ray.getRuntimeContext().getAllNodeInfo()) {
            if (n.isAlive) {
                cpus += n.resources.getOrDefault("CPU", 0.0);
            }
        }
        return cpus;
    }

    /** Total GPUs of all alive nodes. */
    public double totalGpus() {
        double gpus = 0;
        for (NodeInfo n : Ray.getRuntimeContext().getAllNodeInfo()) {
            if (n.isAlive) {
                gpus += n.resources.getOrDefault("GPU", 0.0);
            }
        }
        return gpus;
    }

    /**
     * What worker JVMs load job classes from: this JVM's class path, with the entries of
     * manifest-only jars (Surefire, IDE launchers) expanded, since Ray's workers do not follow
     * a jar's {@code Class-Path}.
     */
    static List<Path> codeSearchPath() {
        Set<Path> out = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path p = Path.of(entry).toAbsolutePath();
            if (!Files.exists(p) || p.toString().contains("/ray/jars/")) {
                continue;
            }
            out.add(p);
            if (p.toString().endsWith(".jar")) {
                out.addAll(manifestClassPath(p));
            }
        }
        return new ArrayList<>(out);
    }

    private static List<Path> manifestClassPath(Path jar) {
        List<Path> out = new ArrayList<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            Manifest m = jf.getManifest();
            String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
            if (cp == null) {
                return out;
            }
            for (String item : cp.trim().split("\\s+")) {
                try {
                    URI uri = jar.getParent().toUri().resolve(item);
                    Path p = Path.of(uri);
                    if (Files.exists(p)) {
                        out.add(p);
                    }
                } catch (IllegalArgumentException e) {
                    LOG.debug("Skipping class-path entry {} of {}", item, jar);
                }
            }
        } catch (IOException e) {
            LOG.debug("Cannot read manifest of {}", jar, e);
        }
        return out;
    }
}
