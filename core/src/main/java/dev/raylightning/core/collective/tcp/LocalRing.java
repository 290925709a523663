package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.GroupSecret;

import java.util.ArrayList;
import java.util.List;

/** A ring of ranks that are threads of this JVM, over real loopback sockets: tests and local runs. */
final class LocalRing {

    private LocalRing() {}

    /** Connects {@code size} ranks, each on its own thread; the groups in rank order. */
    static List<TcpRingProcessGroup> connect(int size, RingOptions given) {
        RingOptions options = given.secret() != null ? given : given.withSecret(GroupSecret.random());
        List<RingListener> listeners = new ArrayList<>();
        List<Endpoint> eps = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            RingListener l = TcpRingProcessGroup.listen("127.0.0.1", options);
            listeners.add(l);
            eps.add(l.endpoint());
        }
        TcpRingProcessGroup[] groups = new TcpRingProcessGroup[size];
        RuntimeException[] errors = new RuntimeException[size];
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int me = r;
            Thread t = new Thread(() -> {
                try {
                    groups[me] = TcpRingProcessGroup.connect(me, eps, listeners.get(me), options);
                } catch (RuntimeException e) {
                    errors[me] = e;
                }
            }, "ring-connect-r" + r);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while connecting", e);
            }
        }
        for (RuntimeException e : errors) {
            if (e != null) {
                for (TcpRingProcessGroup g : groups) {
                    if (g != null) {
                        g.close();
                    }
                }
                throw e;
            }
        }
        return List.of(groups);
    }
}
