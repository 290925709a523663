package dev.raylightning.strategies;

import dev.raylightning.strategies.testing.DriverToKill;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** A driver killed with SIGKILL mid-fit leaves nothing behind: no worker, no cluster process, no files. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DriverDeathTest {

    @TempDir
    Path dir;

    @Test
    void aKilledDriversWorkersClusterAndTempDirAreGoneWithin30Seconds() throws Exception {
        Path report = dir.resolve("started.txt");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the test JVM's options: add-opens for Ray, torch threads, DJL offline
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), DriverToKill.class.getName(),
                report.toString()));
        Process driver = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("driver.log").toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + 150_000;
            while (!Files.exists(report) && driver.isAlive() && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(Files.exists(report), "the driver trains: " + tail(dir.resolve("driver.log")));
            Map<String, String> seen = Files.readAllLines(report).stream().map(l -> l.split("=", 2))
                    .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
            Path clusterDir = Path.of(seen.get("tempDir"));
            List<Long> pids = Arrays.stream(seen.get("pids").split(",")).map(Long::parseLong).toList();
            assertTrue(pids.size() >= 4, "cluster processes and two workers: " + pids);
            assertTrue(Files.isDirectory(clusterDir));

            long killed = System.nanoTime();
            driver.destroyForcibly(); // SIGKILL: no shutdown hook runs
            driver.waitFor(10, TimeUnit.SECONDS);
            List<Long> alive = pids;
            while (!(alive = alive(pids)).isEmpty() && seconds(killed) < 60) {
                Thread.sleep(250);
            }
            double processesGone = seconds(killed);
            while (Files.exists(clusterDir) && seconds(killed) < 60) {
                Thread.sleep(250);
            }
            double dirGone = seconds(killed);
            System.out.printf("after SIGKILL: processes gone in %.1f s, temp dir in %.1f s%n", processesGone, dirGone);
            assertEquals(List.of(), alive, "every cluster and worker process of the killed driver exited");
            assertTrue(processesGone <= 30, "processes gone within 30 s, took " + processesGone);
            assertFalse(Files.exists(clusterDir), "the cluster's temp dir is removed: " + clusterDir);
            assertTrue(dirGone <= 30, "temp dir gone within 30 s, took " + dirGone);
            assertEquals(List.of(), shmFilesOf(pids), "no shared-memory file of the run is left");
        } finally {
            driver.destroyForcibly();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static List<Long> alive(List<Long> pids) {
        return pids.stream().filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).toList();
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
