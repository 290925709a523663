package dev.raylightning.strategies.launcher;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.shm.SharedMemoryGroup;
import dev.raylightning.core.collective.tcp.Endpoint;
import dev.raylightning.core.collective.tcp.RingListener;
import dev.raylightning.core.collective.tcp.RingOptions;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a rank's TCP ring in two steps, driven by the launcher: every rank opens an endpoint
 * and reports it; the driver hands the full list back; every rank connects.
 */
final class GroupRendezvous {

    private GroupRendezvous() {}

    /** Opens this rank's endpoint on {@code host} (an ephemeral port). */
    static Pending listen(String host) {
        return new Pending(TcpRingProcessGroup.listen(host));
    }

    /** An opened endpoint waiting for the full list of peers. */
    static final class Pending {
        private final RingListener listener;

        Pending(RingListener listener) {
            this.listener = listener;
        }

        String endpoint() {
            return listener.endpoint().toString();
        }

        ProcessGroup connect(int rank, List<String> endpoints, long timeoutMillis, GroupSecret secret) {
            List<Endpoint> eps = new ArrayList<>();
            for (String e : endpoints) {
                eps.add(Endpoint.parse(e));
            }
            RingOptions options = RingOptions.defaults()
                    .withCollectiveTimeout(Duration.ofMillis(timeoutMillis))
                    .withSecret(secret);
            TcpRingProcessGroup ring = TcpRingProcessGroup.connect(rank, eps, listener, options);
            try {
                // ranks on one host all-reduce large buckets through shared memory
                return SharedMemoryGroup.wrap(ring, secret);
            } catch (RuntimeException e) {
                ring.close();
                throw e;
            }
        }
    }
}
