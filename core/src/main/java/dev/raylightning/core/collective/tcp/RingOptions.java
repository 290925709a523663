package dev.raylightning.core.collective.tcp;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.core.collective.GroupSecret;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link TcpRingProcessGroup}. Every rank of a group must use the same
 * {@code chunkBytes} and {@code secret}; the rest may differ.
 *
 * @param collectiveTimeout how long a collective may wait without any progress from a peer
 *     before it fails (a stall, not a bound on the whole call: big buffers may take longer)
 * @param connectTimeout how long {@link TcpRingProcessGroup#connect} waits for the whole ring
 * @param chunkBytes the largest frame: each ring segment moves in frames of at most this many
 *     bytes, so receiving one overlaps reducing the previous one; smaller segments are cut into
 *     at least 4 frames of at least 64 KiB (a multiple of 4; also the size of the two reused
 *     transfer buffers)
 * @param socketBufferBytes SO_SNDBUF and SO_RCVBUF of the ring's sockets; 0 leaves the kernel's
 *     auto-tuning in charge
 * @param secret the launch's secret, created by whoever starts the ranks and handed to each:
 *     a hello proves knowledge of it, so a connection without it never joins the ring. Required
 *     to connect more than one rank; {@link TcpRingProcessGroup#local} creates its own
 */
public record RingOptions(Duration collectiveTimeout, Duration connectTimeout, int chunkBytes,
        int socketBufferBytes, GroupSecret secret) {

    public static final Duration DEFAULT_COLLECTIVE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_CHUNK_BYTES = 512 * 1024;
    public static final int DEFAULT_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

    public RingOptions {
        Objects.requireNonNull(collectiveTimeout, "collectiveTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        requirePositive(collectiveTimeout, "collectiveTimeout");
        requirePositive(connectTimeout, "connectTimeout");
        checkArgument(chunkBytes >= 4 && chunkBytes % 4 == 0,
                "chunkBytes must be a positive multiple of 4, got " + chunkBytes);
        checkArgument(socketBufferBytes >= 0, "socketBufferBytes must be >= 0, got " + socketBufferBytes);
    }

    /** 60 s stall timeout, 30 s to connect, 512 KiB chunks, 4 MiB socket buffers, no secret yet. */
    public static RingOptions defaults() {
        return new RingOptions(DEFAULT_COLLECTIVE_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_CHUNK_BYTES,
                DEFAULT_SOCKET_BUFFER_BYTES, null);
    }

    public RingOptions withCollectiveTimeout(Duration timeout) {
        return new RingOptions(timeout, connectTimeout, chunkBytes, socketBufferBytes, secret);
    }

    public RingOptions withConnectTimeout(Duration timeout) {
        return new RingOptions(collectiveTimeout, timeout, chunkBytes, socketBufferBytes, secret);
    }

    public RingOptions withChunkBytes(int bytes) {
        return new RingOptions(collectiveTimeout, connectTimeout, bytes, socketBufferBytes, secret);
    }

    public RingOptions withSocketBufferBytes(int bytes) {
        return new RingOptions(collectiveTimeout, connectTimeout, chunkBytes, bytes, secret);
    }

    public RingOptions withSecret(GroupSecret secret) {
        return new RingOptions(collectiveTimeout, connectTimeout, chunkBytes, socketBufferBytes, secret);
    }

    private static void requirePositive(Duration d, String name) {
        checkArgument(!d.isNegative() && !d.isZero(), name + " must be positive, got " + d);
    }
}
