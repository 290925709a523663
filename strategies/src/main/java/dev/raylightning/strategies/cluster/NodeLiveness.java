package dev.raylightning.strategies.cluster;

import dev.raylightning.core.util.Pause;
import io.ray.api.Ray;
import io.ray.api.runtimecontext.NodeInfo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Whether the nodes a failed launch's workers ran on are still there. Ray marks a lost node dead
 * only after its health checks fail (seconds to tens of seconds); until then it may place new
 * workers on it, which never start. A raylet that refuses a connection is gone, whatever the
 * node table says, and a new launch waits for the table to agree.
 */
public final class NodeLiveness {

    private static final int CONNECT_MILLIS = 2_000;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeLiveness.class);

    private NodeLiveness() {}

    /**
     * Waits, up to {@code max}, until each of {@code nodeIds} is either marked dead by Ray or has
     * a raylet that accepts connections; returns the ids found dead or dying.
     */
    public static Set<String> awaitSettled(Collection<String> nodeIds, Duration max) {
        Set<String> lost = new HashSet<>();
        long deadline = System.nanoTime() + max.toNanos();
        for (String id : nodeIds) {
            boolean logged = false;
            while (true) {
                NodeInfo n = node(id).orElse(null);
                if (n == null || !n.isAlive) {
                    lost.add(id);
                    break;
                }
                if (rayletAnswers(n)) {
                    break;
                }
                lost.add(id);
                if (!logged) {
                    LOG.warn("The raylet of node {} ({}) does not answer; waiting up to {} s for Ray to mark the"
                            + " node dead before starting new workers", shortId(id), n.nodeAddress, max.toSeconds());
                    logged = true;
                }
                if (System.nanoTime() > deadline || Thread.currentThread().isInterrupted()) {
                    break;
                }
                Pause.millis(500);
            }
        }
        return lost;
    }

    /** The Ray node with this id, alive or dead, if the cluster knows it. */
    public static Optional<NodeInfo> node(String id) {
        for (NodeInfo n : Ray.getRuntimeContext().getAllNodeInfo()) {
            if (n.nodeId.toString().equals(id)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /** Whether the node's raylet accepts a TCP connection on its node-manager port. */
    static boolean rayletAnswers(NodeInfo n) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(n.nodeAddress, n.nodeManagerPort), CONNECT_MILLIS);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The first 8 characters of a node id, as messages show it. */
    public static String shortId(String id) {
        return id.substring(0, Math.min(8, id.length()));
    }
}
