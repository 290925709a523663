package dev.raylightning.strategies;

import dev.raylightning.strategies.cluster.LocalRayCluster;
import dev.raylightning.strategies.testing.DriverToKill;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A driver killed with SIGKILL mid-fit leaves nothing behind: its workers exit, and a private
 * cluster it started goes with its processes, temp dir and shared-memory files.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DriverDeathTest {

    @TempDir
    Path dir;

    /** The started driver JVM and what it reported once training ran. */
    private record Driver(Process process, Map<String, String> seen) {}

    private Driver startDriver(String... jvmOptions) throws Exception {
        Path report = dir.resolve("started.txt");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the test JVM's options: add-opens for Ray, torch threads, DJL offline
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).forEach(command::add);
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), DriverToKill.class.getName(),
                report.toString()));
        Process driver = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("driver.log").toFile()).start();
        long deadline = System.currentTimeMillis() + 150_000;
        while (!Files.exists(report) && driver.isAlive() && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(Files.exists(report), "the driver trains: " + tail(dir.resolve("driver.log")));
        Map<String, String> seen = Files.readAllLines(report).stream().map(l -> l.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv.length > 1 ? kv[1] : ""));
        return new Driver(driver, seen);
    }

    /** Kills with SIGKILL (no shutdown hook runs); waits up to 60 s for {@code pids} to exit; returns the seconds. */
    private static double killAndAwaitExit(Process driver, List<Long> pids) throws InterruptedException {
        long killed = System.nanoTime();
        driver.destroyForcibly();
        driver.waitFor(10, TimeUnit.SECONDS);
        while (!RayTestSupport.alive(pids).isEmpty() && seconds(killed) < 60) {
            Thread.sleep(250);
        }
        return seconds(killed);
    }

    @Test
    void aKilledDriversWorkersClusterAndTempDirAreGoneWithin30Seconds() throws Exception {
        Driver driver = startDriver();
        try {
            Path clusterDir = Path.of(driver.seen().get("tempDir"));
            List<Long> pids = Arrays.stream(driver.seen().get("pids").split(",")).map(Long::parseLong).toList();
            assertTrue(pids.size() >= 4, "cluster processes and two workers: " + pids);
            assertTrue(Files.isDirectory(clusterDir));

            long killed = System.nanoTime();
            double processesGone = killAndAwaitExit(driver.process(), pids);
            while (Files.exists(clusterDir) && seconds(killed) < 60) {
                Thread.sleep(250);
            }
            double dirGone = seconds(killed);
            System.out.printf("after SIGKILL: processes gone in %.1f s, temp dir in %.1f s%n", processesGone, dirGone);
            assertEquals(List.of(), RayTestSupport.alive(pids), "every cluster and worker process of the killed driver exited");
            assertTrue(processesGone <= 30, "processes gone within 30 s, took " + processesGone);
            assertFalse(Files.exists(clusterDir), "the cluster's temp dir is removed: " + clusterDir);
            assertTrue(dirGone <= 30, "temp dir gone within 30 s, took " + dirGone);
            assertEquals(List.of(), shmFilesOf(pids), "no shared-memory file of the run is left");
        } finally {
            driver.process().destroyForcibly();
        }
    }

    @Test
    void onAClusterItDidNotStartAKilledDriversWorkersExitAndTheClusterRunsOn() throws Exception {
        try (LocalRayCluster cluster = LocalRayCluster.builder().numCpus(2).start()) {
            Set<Long> before = pids(cluster.processes());
            Driver driver = startDriver("-Dray.address=" + cluster.address());
            List<Long> workers;
            try {
                workers = pids(cluster.processes()).stream().filter(p -> !before.contains(p)).toList();
                assertTrue(workers.size() >= 2, "the driver's worker JVMs run on the cluster: " + workers);
                double gone = killAndAwaitExit(driver.process(), workers);
                System.out.printf("after SIGKILL on a shared cluster: workers gone in %.1f s%n", gone);
                assertEquals(List.of(), RayTestSupport.alive(workers), "the killed driver's worker processes exited");
                assertTrue(gone <= 30, "within 30 s, took " + gone);
            } finally {
                driver.process().destroyForcibly();
            }
            assertEquals(List.of(), shmFilesOf(workers), "no shared-memory file of the run is left");
            assertTrue(cluster.processes().stream().allMatch(ProcessHandle::isAlive), "the cluster itself runs on");
        }
    }

    private static Set<Long> pids(Set<ProcessHandle> ps) {
        return ps.stream().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** Our segment and probe files are named ray-lightning-<creating pid>-<hex>. */
    private static List<String> shmFilesOf(List<Long> pids) throws IOException {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(shm)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> pids.stream().anyMatch(p -> n.startsWith("ray-lightning-" + p + "-"))).toList();
        }
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.substring(Math.max(0, s.length() - 3000));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
