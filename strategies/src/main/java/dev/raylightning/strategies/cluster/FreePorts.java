package dev.raylightning.strategies.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Picks loopback ports that are free right now. */
final class FreePorts {

    private FreePorts() {}

    /**
     * Returns {@code count} distinct ports the OS just handed out on 127.0.0.1.
     *
     * <p>All sockets stay open until every port is picked, so the OS never hands out one twice.
     * Another process may still take a port between this call and Ray binding it; the window is
     * short and the cluster start then fails loudly.
     */
    static List<Integer> pick(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports.add(s.getLocalPort());
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find free loopback ports", e);
        } finally {
            for (ServerSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Closing a listening socket that never accepted cannot lose data.
                }
            }
        }
    }
}
