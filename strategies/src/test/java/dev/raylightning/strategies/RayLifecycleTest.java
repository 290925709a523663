package dev.raylightning.strategies;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.progress.ProgressListener;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.launcher.WorkerPool;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/** Workers and placement groups are released on every path, and Ray leaves the user's logging alone. */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class RayLifecycleTest {

    @TempDir
    Path root;

    @AfterAll
    static void stopRay() {
        RayRuntime.shutdown();
    }

    private Trainer quietTrainer(int epochs, Callback... callbacks) {
        return quietTrainer(new RayDdpStrategy(2, 1, false), epochs, callbacks);
    }

    private Trainer quietTrainer(RayStrategy strategy, int epochs, Callback... callbacks) {
        return Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false).enableCheckpointing(false)
                .maxEpochs(epochs).seed(1).callbacks(callbacks).strategy(strategy).build();
    }

    @Test
    void raysLog4jDoesNotTakeOverTheUsersLogging() {
        RayRuntime.get();
        assertEquals("org.slf4j.simple.SimpleLoggerFactory", LoggerFactory.getILoggerFactory().getClass().getName());
    }

    /** Interrupts the driver thread on the first streamed batch event; inert inside workers. */
    static final class InterruptDriver implements Callback, ProgressListener {
        private static final long serialVersionUID = 1L;
        private final long driverPid = ProcessHandle.current().pid();

        @Override
        public void onProgress(ProgressEvent e) {
            if (ProcessHandle.current().pid() == driverPid && e.kind() == ProgressEvent.Kind.BATCH_END) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void interruptingTheDriverThreadReleasesWorkersAndPlacementGroup() throws Exception {
        Trainer t = quietTrainer(10_000, new InterruptDriver());
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread driver = new Thread(() -> {
            try (TinyClassifier m = new TinyClassifier()) {
                t.fit(m, Fixtures.blobs(256, 64, 16));
            } catch (Throwable e) {
                error.set(e);
            }
        });
        driver.start();
        driver.join(120_000);
        assertFalse(driver.isAlive(), "fit returned after the interrupt");
        assertNotNull(error.get(), "an interrupted distributed fit raises");
        assertTrue(error.get().getMessage().contains("interrupted"), error.get().getMessage());
        assertEquals(TrainerStatus.INTERRUPTED, t.status());
        RayTestSupport.assertNoLeftovers();
    }

    /** Without reuse every fit starts and releases its own workers. */
    @Test
    void twentyConsecutiveFitsLeakNoProcessesOrPlacementGroups() {
        List<Integer> processCounts = new ArrayList<>();
        WorkerPool.releaseIdle();
        try (TinyClassifier m = new TinyClassifier()) {
            for (int i = 0; i < 20; i++) {
                Trainer t = quietTrainer(RayDdpStrategy.builder(2).workerIdleTimeout(Duration.ZERO).build(), 1);
                t.fit(m, Fixtures.blobs(64, 16, 16));
                assertEquals(TrainerStatus.FINISHED, t.status(), "fit " + i);
                RayTestSupport.assertNoLeftovers();
                processCounts.add(settledProcessCount());
            }
        }
        // worker JVMs of the last fit may still be exiting when a count is taken; a leak instead
        // grows with every fit and never comes back down
        int baseline = processCounts.get(2);
        assertTrue(processCounts.stream().allMatch(c -> c <= baseline + 2),
                "never more than one fit's workers above the baseline: " + processCounts);
        long deadline = System.currentTimeMillis() + 30_000;
        int now = RayRuntime.get().localClusterProcesses().size();
        while (now > baseline && System.currentTimeMillis() < deadline) {
            RayTestSupport.sleep(250);
            now = RayRuntime.get().localClusterProcesses().size();
        }
        assertTrue(now <= baseline, "after 20 fits the cluster is back to " + baseline + " processes, has " + now
                + "; counts after each fit: " + processCounts);
    }

    /** Worker JVMs exit a moment after their actor is killed: wait for the count to settle. */
    private static int settledProcessCount() {
        int last = -1;
        for (int i = 0; i < 40; i++) {
            int now = RayRuntime.get().localClusterProcesses().size();
            if (now == last) {
                return now;
            }
            last = now;
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return last;
    }
}
