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
import org.junit.jupiter.api.AfterAll;
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
 * get their node ranks, train together across the nodes and land on the same weights as when
 * packed onto one node; Horovod's hosts are distinct nodes.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
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
    void workersSpreadOverTwoNodesHaveNodeRanksAndTrainAsWhenPacked() {
        assertEquals(2, RayRuntime.get().aliveNodes(), cluster.toString());
        RayProbe spread = new RayProbe();
        List<NamedArray> across = fit(RayDdpStrategy.builder(2).placement(PlacementStrategy.SPREAD).build(), spread);
        assertEquals(2.0, spread.seen().get("workerNodes"), "one worker per node: " + spread.seen());
        assertEquals(0.0, spread.seen().get("nodeRank"));
        assertEquals(0.0, spread.seen().get("localRank"));

        RayProbe packed = new RayProbe();
        List<NamedArray> oneNode = fit(RayDdpStrategy.builder(2).placement(PlacementStrategy.PACK).build(), packed);
        assertEquals(1.0, packed.seen().get("workerNodes"), "both workers on one node: " + packed.seen());
        RayDdpStrategyTest.assertWeightsClose(oneNode, across, 1e-6);
    }

    @Test
    void horovodHostsAreDistinctNodes() {
        RayProbe probe = new RayProbe();
        fit(HorovodRayStrategy.builder().numHosts(2).numSlots(1).build(), probe);
        assertEquals(2.0, probe.seen().get("workerNodes"), "STRICT_SPREAD: one host per node: " + probe.seen());
    }
}
