package dev.raylightning.strategies.launcher;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.SingleProcessGroup;

import java.util.List;

/** Builds a rank's process group in two steps: open an endpoint, then connect to all peers. */
final class GroupRendezvous {

    private GroupRendezvous() {}

    /** Opens this rank's endpoint on {@code host}. */
    static Pending listen(String host) {
        return new Pending(host);
    }

    /** An opened endpoint waiting for the full list of peers. */
    static final class Pending {
        private final String host;

        Pending(String host) {
            this.host = host;
        }

        String endpoint() {
            return host + ":0";
        }

        ProcessGroup connect(int rank, List<String> endpoints, long timeoutMillis) {
            if (endpoints.size() == 1) {
                return new SingleProcessGroup();
            }
            throw new UnsupportedOperationException("multi-rank groups need the TCP ring backend");
        }
    }
}
