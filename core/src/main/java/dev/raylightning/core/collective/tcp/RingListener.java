package dev.raylightning.core.collective.tcp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/**
 * A rank's listening socket, opened before the ring exists so that its {@link #endpoint()} can
 * be collected by whoever drives the rendezvous. {@link TcpRingProcessGroup#connect} takes it
 * over and closes it once the ring is built; close it yourself only if you never connect.
 */
public final class RingListener implements AutoCloseable {

    private final ServerSocketChannel channel;
    private final Endpoint endpoint;

    private RingListener(ServerSocketChannel channel, Endpoint endpoint) {
        this.channel = channel;
        this.endpoint = endpoint;
    }

    /**
     * Binds an ephemeral port on {@code host}, which must be the address the other ranks use to
     * reach this one (127.0.0.1 for one machine).
     */
    static RingListener open(String host, RingOptions options) {
        ServerSocketChannel ch = null;
        try {
            ch = ServerSocketChannel.open();
            if (options.socketBufferBytes() > 0) {
                // Set before bind: accepted sockets inherit it and the TCP window scale is negotiated
                // from it during the handshake.
                ch.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
            }
            ch.bind(new InetSocketAddress(host, 0), 64);
            int port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
            return new RingListener(ch, new Endpoint(host, port));
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot listen on " + host + ": " + e.getMessage(), e);
        }
    }

    /** The address to hand to the other ranks. */
    public Endpoint endpoint() {
        return endpoint;
    }

    ServerSocketChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(ServerSocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    @Override
    public String toString() {
        return "RingListener[" + endpoint + "]";
    }
}
