package dev.raylightning.strategies.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.JMException;
import javax.management.ObjectName;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A class-data-sharing archive for the worker JVMs of a local cluster: the classes a worker loads
 * (Ray's runtime, DJL, this library, the job's), parsed and verified once and mapped by every
 * later worker JVM. In alternating pairs on 2 cores a worker with the archive reached the actor's
 * first call 0.3 to 1.1 s sooner (1.5 to 1.8 against 2.1 to 2.6 s from JVM start) and a fit on new
 * workers its first step in 0.93 of the time (docs/benchmarks.md).
 *
 * <p>The driver picks the JVM options when it connects: when an archive for this class path, JVM
 * and worker options exists, workers map it ({@code -XX:SharedArchiveFile}); otherwise they record
 * what a dump needs ({@code -XX:+RecordDynamicDumpInfo}) and rank zero of the first run that ends
 * well writes the archive (HotSpot's {@code VM.cds dynamic_dump}) to a temporary file that is
 * renamed into place only when complete (about a second, once). HotSpot checks an archive before it maps it and runs
 * without one it refuses, and it matches a class from a job's class loader by name, size and
 * checksum, so a stale archive costs only its speed. Archives live in
 * {@code ${RAY_LIGHTNING_HOME:-~/.cache/ray-lightning}/class-archives}; the newest {@value #KEEP}
 * are kept. Only for a cluster this JVM starts (workers on other hosts would not find the file);
 * {@value #PROPERTY}{@code =false} turns it off, {@value #DIR_PROPERTY} moves it.
 */
public final class WorkerClassArchive {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerClassArchive.class);
    /** System property on the driver: whether workers of a local cluster share a class archive (default true). */
    public static final String PROPERTY = "ray.lightning.worker-class-archive";
    /** System property on the driver: the folder of the archives. */
    public static final String DIR_PROPERTY = "ray.lightning.worker-class-archive-dir";
    /** Worker JVM option: where this worker writes the archive after its first run as rank zero. */
    static final String DUMP_TO_PROPERTY = "ray.lightning.class-archive-dump";
    static final int KEEP = 4;
    private static final String SUFFIX = ".jsa";

    private static final AtomicBoolean DUMP_STARTED = new AtomicBoolean();

    private WorkerClassArchive() {}

    /**
     * The JVM options that make workers map the archive, or record for it; none when turned off.
     *
     * @param codeSearchPath what workers load job classes from
     * @param workerOptions the other worker JVM options (part of the archive's identity)
     */
    static List<String> options(List<Path> codeSearchPath, List<String> workerOptions) {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return List.of();
        }
        Path dir = directory();
        Path archive = dir.resolve(key(codeSearchPath, workerOptions) + SUFFIX);
        if (Files.isRegularFile(archive)) {
            return List.of("-XX:SharedArchiveFile=" + archive);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            LOG.debug("No folder for worker class archives at {}", dir, e);
            return List.of();
        }
        prune(dir);
        return List.of("-XX:+RecordDynamicDumpInfo", "-D" + DUMP_TO_PROPERTY + "=" + archive);
    }

    /** The archives' folder. */
    static Path directory() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        return RayBinaries.home(System::getProperty, System.getenv()).resolve("class-archives");
    }

    /**
     * A digest of what decides whether an archive fits: the JVM, Ray's version (its jars are the
     * workers' class path), the worker options and every entry of the code search path (this JVM's
     * class path, expanded) with its size and modification time.
     */
    static String key(List<Path> codeSearchPath, List<String> workerOptions) {
        StringBuilder identity = new StringBuilder()
                .append(System.getProperty("java.vm.version")).append('\n')
                .append(RayBinaries.RAY_VERSION).append('\n')
                .append(String.join(" ", workerOptions)).append('\n');
        for (Path p : codeSearchPath) {
            identity.append(p.toAbsolutePath());
            try {
                identity.append(' ').append(Files.size(p)).append(' ').append(Files.getLastModifiedTime(p).toMillis());
            } catch (IOException e) {
                identity.append(" absent");
            }
            identity.append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.toString().getBytes(StandardCharsets.UTF_8));
            return "workers-" + HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Keeps the newest {@link #KEEP} - 1 archives (a new one is coming) and removes stale partial dumps. */
    private static void prune(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> archives = new ArrayList<>();
            long hourAgo = System.currentTimeMillis() - 3_600_000L;
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(SUFFIX)) {
                    archives.add(f);
                } else if (name.endsWith(".partial") && Files.getLastModifiedTime(f).toMillis() < hourAgo) {
                    Files.deleteIfExists(f);
                }
            }
            archives.sort(Comparator.comparingLong(WorkerClassArchive::modified).reversed());
            for (Path old : archives.subList(Math.min(archives.size(), KEEP - 1), archives.size())) {
                Files.deleteIfExists(old);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not prune {}", dir, e);
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * In a worker that records for an archive: writes it once, after a run that ended well and
     * before the run returns (about a second, once per machine; a worker released right after its
     * run would be killed in the middle of a dump on a thread of its own). Skipped when the archive
     * exists by now, or when this JVM's class path holds a folder (HotSpot ends a JVM whose dump
     * meets one).
     */
    public static void dumpAfterRun() {
        String target = System.getProperty(DUMP_TO_PROPERTY);
        if (target == null || target.isBlank() || !DUMP_STARTED.compareAndSet(false, true)) {
            return;
        }
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isBlank() && Files.isDirectory(Path.of(e))) {
                LOG.debug("No class archive: the class path holds the folder {}", e);
                return;
            }
        }
        dump(Path.of(target));
    }

    private static void dump(Path archive) {
        if (Files.exists(archive)) {
            return;
        }
        Path partial = archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid() + ".partial");
        try {
            ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "vmCds", new Object[] {new String[] {"dynamic_dump", partial.toString()}},
                    new String[] {String[].class.getName()});
            if (Files.isRegularFile(partial) && Files.size(partial) > 0) {
                try {
                    Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(partial, archive, StandardCopyOption.REPLACE_EXISTING);
                }
                LOG.info("Wrote the worker class archive {} ({} KB)", archive, Files.size(archive) / 1024);
            }
        } catch (JMException | IOException | RuntimeException e) {
            LOG.debug("Could not write the worker class archive {}", archive, e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                LOG.debug("Could not remove {}", partial, e);
            }
        }
    }
}
