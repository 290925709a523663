package dev.raylightning.strategies;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.checkpoint.NamedArray;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.launcher.PlacementStrategy;
import dev.raylightning.strategies.testing.RayProbe;
import dev.raylightning.strategies.testing.TwoNodeRayCluster;
import dev.raylightning.strategies.launcher.RayWorkerException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * On two Ray nodes of one host (separate raylets, 2 CPUs each): workers placed on distinct nodes
 * get their node ranks, train together across the nodes and land on the same weights as two
 * workers bound to one node; Horovod's hosts are distinct nodes; losing a node mid-fit fails the
 * fit naming a dead rank and releases everything, or, elastic, continues on the node left and
 * grows back when a node returns.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoNodeClusterTest {

    @TempDir
    static Path dir;

    private static TwoNodeRayCluster cluster;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        RayRuntime.shutdown();
        cluster = TwoNodeRayCluster.start(dir);
        System.setProperty("ray.address", cluster.address());
    }

    @AfterAll
    static void stopTwoNodes() {
        try {
            RayRuntime.shutdown();
        } finally {
            System.clearProperty("ray.address");
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private static List<NamedArray> fit(RayStrategy strategy, RayProbe probe) {
        Trainer t = Trainer.builder().defaultRootDir(dir).enableProgressBar(false).logger(false).seed(5).maxEpochs(2)
                .enableCheckpointing(false).callbacks(probe).strategy(strategy).build();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            t.fit(m, Fixtures.blobs(256, 64, 16));
            assertEquals(TrainerStatus.FINISHED, t.status());
            return m.stateDict().arrays();
        }
    }

    @Test
    @Order(1)
    void workersSpreadOverTwoNodesHaveNodeRanksAndTrainAsWhenPacked() {
        assertEquals(2, RayRuntime.get().aliveNodes(), cluster.toString());
        RayProbe spread = new RayProbe();
        List<NamedArray> across = fit(RayDdpStrategy.builder(2).placement(PlacementStrategy.SPREAD).build(), spread);
        assertEquals(2.0, spread.seen().get("workerNodes"), "one worker per node: " + spread.seen());
        assertEquals(0.0, spread.seen().get("nodeRank"));
        assertEquals(0.0, spread.seen().get("localRank"));

        // one bundle of two workers is bound to one node (PACK only prefers one)
        RayProbe packed = new RayProbe();
        List<NamedArray> oneNode = fit(HorovodRayStrategy.builder().numHosts(1).numSlots(2).build(), packed);
        assertEquals(1.0, packed.seen().get("workerNodes"), "both workers on one node: " + packed.seen());
        RayDdpStrategyTest.assertWeightsClose(oneNode, across, 1e-5);
    }

    @Test
    @Order(2)
    void horovodHostsAreDistinctNodes() {
        RayProbe probe = new RayProbe();
        fit(HorovodRayStrategy.builder().numHosts(2).numSlots(1).build(), probe);
        assertEquals(2.0, probe.seen().get("workerNodes"), "STRICT_SPREAD: one host per node: " + probe.seen());
    }

    /** Takes the second node away (from another thread) once the driver hears of step 30. */
    static final class LoseSecondNode implements dev.raylightning.core.callbacks.Callback,
            dev.raylightning.core.progress.ProgressListener {
        private static final long serialVersionUID = 1L;
        private final long driverPid = ProcessHandle.current().pid();
        private boolean fired;

        @Override
        public void onProgress(dev.raylightning.core.progress.ProgressEvent e) {
            if (fired || ProcessHandle.current().pid() != driverPid || e.globalStep() < 30) {
                return;
            }
            fired = true;
            Thread remover = new Thread(() -> {
                try {
                    cluster.removeSecondNode();
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            }, "lose-second-node");
            remover.start();
        }
    }

    /** Slows every training step down, so a fit outlasts the removal of a node. */
    static final class SlowSteps implements dev.raylightning.core.callbacks.Callback {
        private static final long serialVersionUID = 1L;

        @Override
        public void onTrainBatchEnd(dev.raylightning.core.callbacks.TrainerView trainer, LightningModule module,
                double loss, dev.raylightning.core.data.Batch batch, int idx) {
            RayTestSupport.sleep(25);
        }
    }

    /**
     * Without recovery, losing a node mid-fit fails the fit naming a rank whose worker died, within
     * 90 s, and releases everything; afterwards a new second node is started for the next test.
     */
    @Test
    @Order(3)
    void losingTheSecondNodeMidFitFailsAFitWithoutRecovery() throws Exception {
        Trainer t = Trainer.builder().defaultRootDir(dir).enableProgressBar(false).logger(false).maxEpochs(10_000)
                .enableCheckpointing(false).callbacks(new LoseSecondNode())
                .strategy(RayDdpStrategy.builder(2).placement(PlacementStrategy.SPREAD).build()).build();
        long start = System.nanoTime();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            RayWorkerException e = assertThrows(RayWorkerException.class, () -> t.fit(m, Fixtures.blobs(256, 64, 16)));
            assertTrue(e.getMessage().contains("died"), e.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 90, "the lost node ended the fit within 90 s, took " + seconds);
        RayTestSupport.assertNoLeftovers();
        awaitOneNodeLeft();
        cluster.addSecondNode();
        assertEquals(2, RayRuntime.get().aliveNodes());
    }

    /**
     * Four workers, two per node, elastic down to two: losing the second node mid-fit continues on
     * the two workers the head node holds, and once a new second node has started, the group grows
     * back to four at an epoch boundary.
     */
    @Test
    @Order(4)
    void anElasticFitContinuesOnTheNodeLeftAndGrowsBackWhenANodeReturns() {
        RayRuntime.get();
        String secondNode = io.ray.api.Ray.getRuntimeContext().getAllNodeInfo().stream()
                .filter(n -> n.isAlive && n.resources.containsKey("second_node")).findFirst().orElseThrow()
                .nodeId.toString().substring(0, 8);
        AddNodeOnceShrunk addBack = new AddNodeOnceShrunk();
        Trainer t = Trainer.builder().defaultRootDir(dir).enableProgressBar(false).logger(false).maxEpochs(150)
                .enableCheckpointing(false).seed(5).callbacks(new LoseSecondNode(), addBack, new SlowSteps())
                .strategy(RayDdpStrategy.builder(4).elastic(2, 4).maxFailures(1).recoveryCheckpointEveryNSteps(7)
                        .build()).build();
        long start = System.nanoTime();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            double before = Trainer.builder().defaultRootDir(dir).enableProgressBar(false).logger(false)
                    .enableCheckpointing(false).build().validate(m, Fixtures.blobs(256, 64, 16)).get(0).get("val_loss");
            t.fit(m, Fixtures.blobs(256, 64, 16));
            assertEquals(TrainerStatus.FINISHED, t.status());
            assertEquals(150, t.currentEpoch());
            assertEquals(List.of(4, 2, 4), t.worldSizes(),
                    "four workers, the two the head node holds, four again once a node returned");
            double after = t.callbackMetrics().get("val_loss");
            assertTrue(after < 0.5 * before, "the loss kept decreasing: " + before + " -> " + after);
        }
        assertTrue(addBack.added, "a node was added while two workers trained");
        assertEquals(1, t.recoveredFailures().size(), "growing back is no failure");
        RayWorkerException e = (RayWorkerException) t.recoveredFailures().get(0);
        assertTrue(e.getMessage().contains("died") && e.getMessage().contains("id " + secondNode), e.getMessage());
        System.out.printf("node loss recovered on 2 of 4 workers, grown back to 4; the fit took %.1f s%n",
                (System.nanoTime() - start) / 1e9);
        RayTestSupport.assertNoLeftoversOnceIdleReleased();
        assertEquals(2, RayRuntime.get().aliveNodes());
    }

    /** Starts a new second node (from another thread) once the driver hears of an epoch on two workers. */
    static final class AddNodeOnceShrunk implements dev.raylightning.core.callbacks.Callback,
            dev.raylightning.core.progress.ProgressListener {
        private static final long serialVersionUID = 1L;
        private final long driverPid = ProcessHandle.current().pid();
        private volatile boolean added;
        private boolean fired;

        @Override
        public void onProgress(dev.raylightning.core.progress.ProgressEvent e) {
            // 256 samples in batches of 16: 4 batches per worker and epoch on 4 workers, 8 on 2
            if (fired || ProcessHandle.current().pid() != driverPid || e.numBatches() != 8) {
                return;
            }
            fired = true;
            Thread adder = new Thread(() -> {
                try {
                    cluster.addSecondNode();
                    added = true;
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            }, "add-second-node");
            adder.start();
        }
    }

    private static void awaitOneNodeLeft() {
        long deadline = System.currentTimeMillis() + 60_000; // Ray's health checks mark the node dead
        while (RayRuntime.get().aliveNodes() > 1 && System.currentTimeMillis() < deadline) {
            RayTestSupport.sleep(500);
        }
        assertEquals(1, RayRuntime.get().aliveNodes());
    }
}
