package dev.raylightning.strategies.cluster;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class WorkerJvmOptionsTest {

    @AfterEach
    void clear() {
        System.clearProperty(RayRuntime.WORKER_JVM_OPTIONS_PROPERTY);
    }

    @Test
    void workersUseTheSerialCollectorByDefault() {
        List<String> options = RayRuntime.workerJvmOptions();
        assertTrue(options.contains("-XX:+UseSerialGC"), options.toString());
        assertTrue(options.contains("-Xss4m"), options.toString());
        assertTrue(options.contains("-DAsyncLoggerConfig.WaitStrategy=Block"), options.toString());
    }

    @Test
    void extraOptionsAreAddedAndAChosenCollectorWins() {
        System.setProperty(RayRuntime.WORKER_JVM_OPTIONS_PROPERTY,
                "-Xmx2g  -XX:+UseParallelGC -DAsyncLoggerConfig.WaitStrategy=Timeout");
        List<String> options = RayRuntime.workerJvmOptions();
        // the JVM takes the last of repeated -D options: the user's
        assertTrue(options.lastIndexOf("-DAsyncLoggerConfig.WaitStrategy=Timeout")
                > options.indexOf("-DAsyncLoggerConfig.WaitStrategy=Block"), options.toString());
        assertFalse(options.contains("-XX:+UseSerialGC"), options.toString());
        assertTrue(options.containsAll(List.of("-Xmx2g", "-XX:+UseParallelGC")), options.toString());
    }
}
