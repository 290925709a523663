package dev.raylightning.core.collective.tcp;

import static dev.raylightning.core.util.Checks.checkArgument;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link TcpRingProcessGroup}. Every rank of a group must use the same
 * {@code chunkBytes} and {@code groupId}; the rest may differ.
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
 * @param groupId a nonce shared by all ranks that tells this group's connections from stray ones;
 *     0 derives one from the endpoint list
 */
public record RingOptions(Duration collectiveTimeout, Duration connectTimeout, int chunkBytes,
        int socketBufferBytes, long groupId) {

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

    /** 60 s stall timeout, 30 s to connect, 512 KiB chunks, 4 MiB socket buffers. */
    public static RingOptions defaults() {
        return new RingOptions(DEFAULT_COLLECTIVE_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_CHUNK_BYTES,
                DEFAULT_SOCKET_BUFFER_BYTES, 0L);
    }

    public RingOptions withCollectiveTimeout(Duration timeout) {
        return new RingOptions(timeout, connectTimeout, chunkBytes, socketBufferBytes, groupId);
    }

    public RingOptions withConnectTimeout(Duration timeout) {
        return new RingOptions(collectiveTimeout, timeout, chunkBytes, socketBufferBytes, groupId);
    }

    public RingOptions withChunkBytes(int bytes) {
        return new RingOptions(collectiveTimeout, connectTimeout, bytes, socketBufferBytes, groupId);
    }

    public RingOptions withSocketBufferBytes(int bytes) {
        return new RingOptions(collectiveTimeout, connectTimeout, chunkBytes, bytes, groupId);
    }

    public RingOptions withGroupId(long id) {
        return new RingOptions(collectiveTimeout, connectTimeout, chunkBytes, socketBufferBytes, id);
    }

    private static void requirePositive(Duration d, String name) {
        checkArgument(!d.isNegative() && !d.isZero(), name + " must be positive, got " + d);
    }
}
