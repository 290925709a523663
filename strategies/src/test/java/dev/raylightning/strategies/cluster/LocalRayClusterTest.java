package dev.raylightning.strategies.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.ray.api.ActorHandle;
import io.ray.api.Ray;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the stack end to end: the wheel's Ray 2.58 starts a private cluster on loopback, a Java
 * driver connects, two actors run in their own worker JVMs, and closing the cluster leaves no
 * process of it behind. Prints the timings it measures.
 */
class LocalRayClusterTest {

    /** A trivial actor; public with a public no-arg constructor so worker JVMs can create it. */
    public static class Probe {

        public long pid() {
            return ProcessHandle.current().pid();
        }

        public long echo(long x) {
            return x;
        }

        public List<String> jvmArguments() {
            return new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        }

        /** Round-trips a JDK collection and a user class through Ray's serializer. */
        public Summary summarize(Map<String, double[]> values) {
            double sum = values.values().stream().flatMapToDouble(Arrays::stream).sum();
            return new Summary(values.size(), sum);
        }
    }

    /** A user-defined value crossing the process boundary. */
    public static final class Summary implements Serializable {
        private static final long serialVersionUID = 1L;
        final int keys;
        final double sum;

        Summary(int keys, double sum) {
            this.keys = keys;
            this.sum = sum;
        }
    }

    @TempDir
    Path dir;

    @Test
    @Tag("ray-cluster")
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twoActorsRunInTheirOwnWorkerJvmsAndNothingSurvivesClose() {
        long me = ProcessHandle.current().pid();
        LocalRayCluster cluster = LocalRayCluster.start();
        Set<ProcessHandle> seen;
        long pid1;
        long pid2;
        try (cluster) {
            Duration actorStart;
            double roundTripMicros;
            try (RayDriver driver = RayDriver.to(cluster.address())
                    .codeSearchPath(RayDriver.codeSourcesOf(Probe.class))
                    .workerJvmOptions(List.of("-Xmx256m", "-Dray.lightning.probe=yes"))
                    .connect()) {
                long t0 = System.nanoTime();
                ActorHandle<Probe> a1 = Ray.actor(Probe::new).remote();
                ActorHandle<Probe> a2 = Ray.actor(Probe::new).remote();
                pid1 = a1.task(Probe::pid).remote().get();
                pid2 = a2.task(Probe::pid).remote().get();
                actorStart = Duration.ofNanos(System.nanoTime() - t0);

                assertNotEquals(pid1, pid2, "actors share a process");
                assertNotEquals(me, pid1, "actor runs in the driver");
                assertNotEquals(me, pid2, "actor runs in the driver");
                assertTrue(a1.task(Probe::jvmArguments).remote().get().contains("-Dray.lightning.probe=yes"),
                        "ray.job.jvm-options did not reach the worker");
                Summary s = a2.task(Probe::summarize, Map.of("a", new double[] {1, 2}, "b", new double[] {3}))
                        .remote().get();
                assertEquals(2, s.keys);
                assertEquals(6.0, s.sum);

                roundTripMicros = medianRoundTripMicros(a1);
                seen = cluster.processes();
                assertTrue(seen.stream().anyMatch(p -> p.pid() == pid1), "worker not counted as the cluster's");
                assertTrue(seen.stream().anyMatch(p -> p.pid() == pid2), "worker not counted as the cluster's");
                // daemons and workers inherit the id, so re-parented ones are still found
                for (ProcessHandle p : seen) {
                    String cmd = p.info().commandLine().orElse("");
                    if (p.pid() == pid1 || p.pid() == pid2 || cmd.contains("/raylet ") || cmd.contains("/gcs_server ")) {
                        assertTrue(cluster.carriesClusterId(p.pid()), () -> "no cluster id in the environment of " + cmd);
                    }
                }
                System.out.printf("ray timings: cluster start %d ms, driver init %d ms, 2 actors %d ms,"
                                + " call round trip median %.0f us%n",
                        cluster.startTime().toMillis(), driver.initTime().toMillis(), actorStart.toMillis(),
                        roundTripMicros);
                seen.forEach(p -> System.out.printf("cluster process %d %.120s%n", p.pid(),
                        p.info().commandLine().orElse("?")));
            }
            // a process of ours that merely names the cluster's temp dir is not the cluster's
            Process tail = startTail(cluster.tempDir().resolve("ray-start.log"));
            try {
                assertFalse(cluster.processes().contains(tail.toHandle()), "tail -f counted as the cluster's");
                long t0 = System.nanoTime();
                cluster.close();
                System.out.printf("ray timings: cluster stop %d ms%n", (System.nanoTime() - t0) / 1_000_000);
                assertTrue(tail.isAlive(), "close() killed a process that only reads the cluster's log");
            } finally {
                tail.destroyForcibly();
            }
        }
        assertTrue(cluster.processes().isEmpty(), "cluster processes survived");
        for (ProcessHandle p : seen) {
            assertFalse(p.isAlive(), () -> "survived: " + p.pid() + " " + p.info().commandLine().orElse(""));
        }
        if (!Boolean.getBoolean(LocalRayCluster.KEEP_DIRS_PROPERTY)) {
            assertFalse(Files.exists(cluster.tempDir()), "temp dir left behind");
        }
    }

    private static Process startTail(Path file) {
        try {
            return new ProcessBuilder("tail", "-f", file.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double medianRoundTripMicros(ActorHandle<Probe> actor) {
        for (int i = 0; i < 200; i++) {
            actor.task(Probe::echo, (long) i).remote().get();
        }
        long[] micros = new long[1000];
        for (int i = 0; i < micros.length; i++) {
            long t = System.nanoTime();
            actor.task(Probe::echo, (long) i).remote().get();
            micros[i] = (System.nanoTime() - t) / 1000;
        }
        Arrays.sort(micros);
        return micros[micros.length / 2];
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void rayThatExitsEarlyFailsFastWithItsOutput() throws IOException {
        Path fake = dir.resolve("ray");
        Files.writeString(fake, "#!/bin/sh\necho 'no ray here' >&2\nexit 3\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LocalRayCluster.builder().rayExecutable(fake).tempParent(dir).start());

        assertTrue(e.getMessage().contains("no ray here"), e.getMessage());
        assertTrue(e.getMessage().contains("code 3"), e.getMessage());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void driverRefusesAnAddressWhereNothingListens() {
        int port = FreePorts.pick(1).get(0);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RayDriver.to("127.0.0.1:" + port).connect());

        assertTrue(e.getMessage().contains("No Ray cluster answers"), e.getMessage());
    }
}
