package dev.raylightning.core.collective.tcp;

import java.io.Serializable;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * Where a rank of a {@link TcpRingProcessGroup} listens: a host (name or literal address) and a
 * TCP port. Its text form is {@code host:port} ({@code [v6-address]:port} for IPv6), which
 * {@link #parse(String)} reads back, so endpoints can travel through any string channel.
 */
public record Endpoint(String host, int port) implements Serializable {

    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in 1..65535, got " + port);
        }
    }

    /** Reads {@code host:port} or {@code [v6-address]:port}. */
    public static Endpoint parse(String text) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + text + "'");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new Endpoint(host, Integer.parseInt(t.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected host:port, got '" + text + "'", e);
        }
    }

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
