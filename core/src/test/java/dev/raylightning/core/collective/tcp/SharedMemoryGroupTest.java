package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.ForwardingProcessGroup;
import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.WireFormat;
import dev.raylightning.core.collective.shm.SharedMemoryGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The shared-memory all-reduce over a TCP ring, with ranks as threads of this JVM. */
class SharedMemoryGroupTest {

    private List<SharedMemoryGroup> groups;
    private final GroupSecret secret = GroupSecret.random();
    private final String mine = "ray-lightning-" + ProcessHandle.current().pid() + "-";

    @AfterEach
    void close() {
        if (groups != null) {
            groups.forEach(SharedMemoryGroup::close);
        }
    }

    private List<TcpRingProcessGroup> rings;

    private List<SharedMemoryGroup> wrap(int size, long threshold) {
        rings = TcpRingProcessGroup.local(size, RingOptions.defaults());
        groups = Ranks.run(size, r -> SharedMemoryGroup.wrap(rings.get(r), secret, threshold));
        return groups;
    }

    /** Groups of {@code size} ranks, every all-reduce through shared memory in pieces of {@code pieceBytes}. */
    private void wrapWithPieces(int size, int pieceBytes) {
        wrapWith(size, ring -> ring, SharedMemoryGroup.PIECE_PROPERTY, Integer.toString(pieceBytes));
    }

    /**
     * Groups of {@code size} ranks taking every all-reduce through shared memory, each over its
     * ring as {@code around} sees it, made while the system properties {@code properties} (name,
     * value, ...) are set.
     */
    private void wrapWith(int size, Function<TcpRingProcessGroup, ProcessGroup> around, String... properties) {
        rings = TcpRingProcessGroup.local(size, RingOptions.defaults());
        for (int i = 0; i < properties.length; i += 2) {
            System.setProperty(properties[i], properties[i + 1]);
        }
        try {
            groups = Ranks.run(size, r -> SharedMemoryGroup.wrap(around.apply(rings.get(r)), secret, 0));
        } finally {
            for (int i = 0; i < properties.length; i += 2) {
                System.clearProperty(properties[i]);
            }
        }
    }

    private static ByteBuffer bytesOf(FloatBuffer floats, int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            b.putFloat(i * 4, floats.get(i));
        }
        return b;
    }

    private void assertAllReduce(int size, int n, ReduceOp op) {
        List<ByteBuffer> out = Ranks.run(size, r -> {
            ByteBuffer b = bytesOf(TcpRingProcessGroupTest.filled(r, n), n);
            groups.get(r).allReduce(b, op);
            return b;
        });
        for (int r = 0; r < size; r++) {
            for (int i = 0; i < n; i++) {
                float want = TcpRingProcessGroupTest.reference(op, size, i);
                float got = out.get(r).getFloat(i * 4);
                assertEquals(want, got, Math.abs(want) * 1e-6f, "rank " + r + " element " + i + " of " + n);
                // every rank holds the same bits, whichever rank reduced them
                assertEquals(Float.floatToRawIntBits(out.get(0).getFloat(i * 4)), Float.floatToRawIntBits(got),
                        "rank " + r + " against rank 0, element " + i + " of " + n);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void threeRanksReduceThroughSharedMemory(ReduceOp op) {
        wrap(3, 0);
        assertTrue(groups.stream().allMatch(SharedMemoryGroup::isShared), "ranks of one JVM share memory");
        assertAllReduce(3, (1 << 18) + 5, op);
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void smallAllReducesReduceEveryRanksCopyToTheSameResultOnEveryRank(ReduceOp op) {
        wrap(3, 0);
        assertAllReduce(3, 16_001, op); // 64 KB from each of two peers: one barrier by default
    }

    @Test
    void smallAllReducesWaitOnceAndLargerOnesTwice() {
        // with the ring's barriers every wait of a shared-memory call is a barrier() of the ring
        int[] waits = new int[3];
        wrapWith(3, ring -> new ForwardingProcessGroup(ring) {
            @Override
            public void barrier() {
                waits[ring.rank()]++;
                super.barrier();
            }
        }, SharedMemoryGroup.BARRIER_PROPERTY, "ring", SharedMemoryGroup.ONE_BARRIER_PROPERTY, "65536");
        assertAllReduce(3, 4096, ReduceOp.SUM); // makes the segments
        // (ranks - 1) x bytes up to 64 KiB: 8,192 floats from each of two peers
        for (int[] call : new int[][] {{8192, 1}, {8193, 2}, {100, 1}, {1 << 16, 2}}) {
            int[] before = waits.clone();
            assertAllReduce(3, call[0], ReduceOp.AVG);
            for (int r = 0; r < 3; r++) {
                assertEquals(call[1], waits[r] - before[r], "waits of rank " + r + " in an all-reduce of " + call[0]
                        + " floats");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceScatterOfBytesGivesEachRankItsReducedChunk(ReduceOp op) {
        wrap(3, 0);
        int chunk = 50_001;
        int n = 3 * chunk;
        List<ByteBuffer> out = Ranks.run(3, r -> {
            ByteBuffer in = bytesOf(TcpRingProcessGroupTest.filled(r, n), n);
            ByteBuffer mine = ByteBuffer.allocateDirect(chunk * 4).order(ByteOrder.nativeOrder());
            groups.get(r).reduceScatter(in, mine, op);
            return mine;
        });
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < chunk; i++) {
                float want = TcpRingProcessGroupTest.reference(op, 3, r * chunk + i);
                float got = out.get(r).getFloat(i * 4);
                assertEquals(want, got, Math.abs(want) * 1e-6f, "rank " + r + " element " + i);
            }
        }
    }

    @Test
    void allGatherOfBytesConcatenatesInRankOrderAndMixesWithAllReduce() {
        wrap(3, 1024);
        for (int n : new int[] {7, 40_000, 40_000, 90_001}) {
            List<ByteBuffer> out = Ranks.run(3, r -> {
                ByteBuffer in = bytesOf(TcpRingProcessGroupTest.filled(r, n), n);
                ByteBuffer all = ByteBuffer.allocateDirect(3 * n * 4).order(ByteOrder.nativeOrder());
                groups.get(r).allGather(in, all);
                return all;
            });
            for (int r = 0; r < 3; r++) {
                for (int k = 0; k < 3; k++) {
                    FloatBuffer want = TcpRingProcessGroupTest.filled(k, n);
                    for (int i = 0; i < n; i += 97) {
                        assertEquals(want.get(i), out.get(r).getFloat((k * n + i) * 4), "rank " + r + " part " + k);
                    }
                }
            }
            // shared segments alternate between calls of every kind
            assertAllReduce(3, n, ReduceOp.SUM);
        }
    }

    @Test
    void segmentsGrowAlternateAndLeaveNoFilesBehind() throws IOException {
        wrap(2, 1024);
        // below the threshold (ring), then growing sizes, then repeats that alternate segments
        for (int n : new int[] {17, 1000, 70_000, 70_000, 300_001, 1000, 300_001}) {
            assertAllReduce(2, n, ReduceOp.AVG);
        }
        assertEquals(List.of(), files(), "segment files are unlinked once mapped");
        groups.forEach(SharedMemoryGroup::close);
        groups = null;
        assertEquals(List.of(), files());
    }

    @Test
    void aNegativeThresholdKeepsEverythingOnTheRing() {
        wrap(2, -1);
        assertTrue(groups.stream().noneMatch(SharedMemoryGroup::isShared));
        assertAllReduce(2, 100_000, ReduceOp.SUM);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.filter(p -> p.getFileName().toString().startsWith(mine)).toList();
        }
    }

    /** A 16-bit all-reduce goes to the ring underneath: the ring's results, bit for bit, on every rank. */
    @Test
    void aFloat32WireTakesSharedMemoryNotTheRing() {
        wrap(2, 0);
        assertTrue(groups.get(0).isShared());
        int n = 1 << 18;
        long before = rings.get(0).bytesSent();
        List<ByteBuffer> out = Ranks.run(2, r -> {
            ByteBuffer b = bytesOf(TcpRingProcessGroupTest.filled(r, n), n);
            groups.get(r).allReduce(b, ReduceOp.SUM, WireFormat.FLOAT32);
            return b;
        });
        for (int i = 0; i < n; i += 997) {
            assertEquals(TcpRingProcessGroupTest.reference(ReduceOp.SUM, 2, i), out.get(1).getFloat(i * 4), 1e-3);
        }
        long ringBytes = rings.get(0).bytesSent() - before;
        assertTrue(ringBytes < n * 4L / 100, "the ring carried " + ringBytes + " bytes of a " + n * 4 + "-byte all-reduce");
    }

    @Test
    void sixteenBitAllReducesGoThroughTheRing() {
        wrap(3, 0);
        int n = (1 << 16) + 1;
        List<float[]> out = Ranks.run(3, r -> {
            ByteBuffer b = WireAllReduceTest.bytes(WireAllReduceTest.input(r, n));
            groups.get(r).allReduce(b, ReduceOp.AVG, WireFormat.FLOAT16);
            return WireAllReduceTest.floats(b);
        });
        float[] want = WireAllReduceTest.ringEmulation(3, n, ReduceOp.AVG, WireFormat.FLOAT16);
        for (int r = 0; r < 3; r++) {
            WireAllReduceTest.assertBitIdentical(want, out.get(r), "rank " + r);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1048576"}) // two barriers, one
    void manyCallsInARowEachSeeOnlyTheirOwnInputs(String oneBarrierBytes) {
        // a rank that left a barrier too early would overwrite a segment its peer still reads
        wrapWith(2, ring -> ring, SharedMemoryGroup.ONE_BARRIER_PROPERTY, oneBarrierBytes);
        int n = 70_000;
        for (int call = 0; call < 300; call++) {
            int c = call;
            List<ByteBuffer> out = Ranks.run(2, r -> {
                ByteBuffer b = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
                for (int i = 0; i < n; i++) {
                    b.putFloat(i * 4, (r + 1) * 1000f + c + (i % 97));
                }
                groups.get(r).allReduce(b, ReduceOp.SUM);
                return b;
            });
            for (int r = 0; r < 2; r++) {
                for (int i = 0; i < n; i += 997) {
                    assertEquals(3000f + 2 * (c + (i % 97)), out.get(r).getFloat(i * 4), "call " + c + ", rank " + r);
                }
            }
        }
    }

    @Test
    void aPeerThatNeverArrivesFailsTheCallAfterTheCollectiveTimeout() {
        rings = TcpRingProcessGroup.local(2, RingOptions.defaults().withCollectiveTimeout(java.time.Duration.ofSeconds(1)));
        groups = Ranks.run(2, r -> SharedMemoryGroup.wrap(rings.get(r), secret, 0));
        int n = 1 << 16;
        Ranks.run(2, r -> {
            groups.get(r).allReduce(ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()), ReduceOp.SUM);
            return null;
        });
        // rank 1 stays away from the next call: rank 0 waits at the first barrier, then gives up
        long start = System.nanoTime();
        CollectiveException e = assertThrows(CollectiveException.class, () -> groups.get(0)
                .allReduce(ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()), ReduceOp.SUM));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(CollectiveException.Reason.TIMEOUT, e.reason());
        assertEquals(1, e.peerRank());
        assertTrue(e.getMessage().contains("rank 1"), e.getMessage());
        assertTrue(seconds >= 1.0 && seconds < 10, "failed after " + seconds + " s");
    }

    private static ByteBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder());
    }

    private List<SharedMemoryGroup> wrapWithTimeout(int seconds) {
        rings = TcpRingProcessGroup.local(2, RingOptions.defaults()
                .withCollectiveTimeout(java.time.Duration.ofSeconds(seconds)));
        groups = Ranks.run(2, r -> SharedMemoryGroup.wrap(rings.get(r), secret, 0));
        Ranks.run(2, r -> {
            groups.get(r).allReduce(direct(1 << 16), ReduceOp.SUM); // makes segments and barrier
            return null;
        });
        return groups;
    }

    @Test
    void ranksWaitForEachOtherInSharedMemoryUnlessTheRingIsAskedFor() {
        wrap(2, 0);
        assertFalse(groups.get(0).hasSharedMemoryBarriers(), "no barrier before the first shared call");
        assertAllReduce(2, 100_000, ReduceOp.SUM);
        assertTrue(groups.stream().allMatch(SharedMemoryGroup::hasSharedMemoryBarriers), groups.get(0).toString());
        close();
        System.setProperty(SharedMemoryGroup.BARRIER_PROPERTY, "ring");
        try {
            wrap(2, 0);
        } finally {
            System.clearProperty(SharedMemoryGroup.BARRIER_PROPERTY);
        }
        assertAllReduce(2, 100_000, ReduceOp.SUM);
        assertTrue(groups.stream().noneMatch(SharedMemoryGroup::hasSharedMemoryBarriers), groups.get(0).toString());
    }

    @Test
    void ranksInDifferentCollectivesFailWithAMismatchInsteadOfMixingData() {
        wrapWithTimeout(20);
        int n = 1 << 16;
        List<Ranks.Outcome<Object>> results = Ranks.runAll(2, r -> {
            if (r == 0) {
                groups.get(0).allReduce(direct(n), ReduceOp.SUM);
            } else {
                groups.get(1).allGather(direct(n / 2), direct(n));
            }
            return "done";
        }, 30);
        for (int r = 0; r < 2; r++) {
            CollectiveException e = assertInstanceOf(CollectiveException.class, results.get(r).error(), "rank " + r);
            assertEquals(CollectiveException.Reason.MISMATCH, e.reason(), e.getMessage());
            assertEquals(1 - r, e.peerRank(), e.getMessage());
            assertTrue(results.get(r).millis() < 5_000, "took " + results.get(r).millis() + " ms");
        }
        // the group stays failed: a later call says so at once instead of waiting
        assertThrows(CollectiveException.class, () -> groups.get(0).allReduce(direct(n), ReduceOp.SUM));
    }

    @Test
    void aPeerThatClosesItsGroupFailsAWaitingRankAtOnce() {
        wrapWithTimeout(30);
        Ranks.after(300, () -> groups.get(1).close());
        long start = System.nanoTime();
        CollectiveException e = assertThrows(CollectiveException.class,
                () -> groups.get(0).allReduce(direct(1 << 16), ReduceOp.SUM));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(CollectiveException.Reason.CLOSED, e.reason(), e.getMessage());
        assertEquals(1, e.peerRank(), e.getMessage());
        assertTrue(e.getMessage().contains("rank 1 closed its group"), e.getMessage());
        assertTrue(millis >= 250 && millis < 5_000, "failed after " + millis + " ms");
    }

    @Test
    void anInterruptEndsTheWaitOfTheInterruptedRank() throws InterruptedException {
        wrapWithTimeout(30);
        Thread waiter = Thread.currentThread();
        Thread interrupter = Ranks.after(300, () -> waiter.interrupt());
        CollectiveException e = assertThrows(CollectiveException.class,
                () -> groups.get(0).allReduce(direct(1 << 16), ReduceOp.SUM));
        interrupter.join();
        assertTrue(Thread.interrupted(), "the interrupt stays set for the caller");
        assertEquals(CollectiveException.Reason.ABORTED, e.reason(), e.getMessage());
        assertEquals(0, e.peerRank(), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void largeAllReducesGoPieceByPieceThroughSegmentsOfThePieceSize(ReduceOp op) {
        wrapWithPieces(3, 65536);
        assertAllReduce(3, (1 << 18) + 5, op); // 16 pieces and a last one of 20 bytes
        for (SharedMemoryGroup g : groups) {
            assertEquals(65536, g.segmentBytes(), g.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void partsLaidEndToEndReduceAsOneBufferInTheirOwnMemory(ReduceOp op) {
        wrapWithPieces(3, 4096);
        // pieces of 1,024 floats and the ranks' chunks cut through parts; one part is empty
        int[] lengths = {1, 1000, 0, 3, 2500, 7, 1};
        int n = java.util.Arrays.stream(lengths).sum();
        List<ByteBuffer[]> out = Ranks.run(3, r -> {
            // each part is a window of a larger buffer whose edges must stay as they are
            ByteBuffer[] parts = windows(lengths, TcpRingProcessGroupTest.filled(r, n));
            assertTrue(groups.get(r).allReduceParts(parts, op), "taken by shared memory");
            for (int k = 0; k < parts.length; k++) {
                assertEquals(4, parts[k].position());
                assertEquals((lengths[k] + 1) * 4, parts[k].limit());
            }
            return parts;
        });
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < n; i++) {
                float want = TcpRingProcessGroupTest.reference(op, 3, i);
                assertEquals(want, at(out.get(r), i), Math.abs(want) * 1e-6f, "rank " + r + " element " + i);
            }
        }
    }

    /** Views of {@code lengths} floats laid end to end, each inside a buffer of its own with a -7 on either side. */
    private static ByteBuffer[] windows(int[] lengths, FloatBuffer fill) {
        ByteBuffer[] parts = new ByteBuffer[lengths.length];
        for (int k = 0, at = 0; k < lengths.length; at += lengths[k], k++) {
            ByteBuffer host = ByteBuffer.allocateDirect((lengths[k] + 2) * 4).order(ByteOrder.nativeOrder());
            host.putFloat(0, -7f).putFloat((lengths[k] + 1) * 4, -7f);
            for (int i = 0; fill != null && i < lengths[k]; i++) {
                host.putFloat((i + 1) * 4, fill.get(at + i));
            }
            parts[k] = host.position(4).limit((lengths[k] + 1) * 4);
        }
        return parts;
    }

    /** Element {@code i} of the parts laid end to end, after checking that the edges of its window are intact. */
    private static float at(ByteBuffer[] parts, int i) {
        for (ByteBuffer p : parts) {
            ByteBuffer host = p.duplicate().clear().order(ByteOrder.nativeOrder());
            assertEquals(-7f, host.getFloat(0));
            assertEquals(-7f, host.getFloat(host.capacity() - 4));
            if (i < p.remaining() / 4) {
                return host.getFloat(p.position() + i * 4);
            }
            i -= p.remaining() / 4;
        }
        throw new IndexOutOfBoundsException();
    }

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceScatterOfPartsReadsThemWhereTheyLie(ReduceOp op) {
        wrap(3, 0);
        int chunk = 5_001;
        int[] lengths = {1, 7_000, 0, 3, 3 * chunk - 7_004}; // the chunks cut through parts
        List<ByteBuffer> out = Ranks.run(3, r -> {
            ByteBuffer mine = direct(chunk);
            assertTrue(groups.get(r).reduceScatterParts(windows(lengths, TcpRingProcessGroupTest.filled(r, 3 * chunk)),
                    mine, op), "taken by shared memory");
            return mine;
        });
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < chunk; i++) {
                float want = TcpRingProcessGroupTest.reference(op, 3, r * chunk + i);
                assertEquals(want, out.get(r).getFloat(i * 4), Math.abs(want) * 1e-6f, "rank " + r + " element " + i);
            }
        }
    }

    @Test
    void allGatherIntoPartsWritesThemWhereTheyLieAndOnlyFromTheThreshold() {
        wrap(3, 1024);
        int n = 4_001;
        int[] lengths = {2, 5_000, 0, 3 * n - 5_002};
        List<ByteBuffer[]> out = Ranks.run(3, r -> {
            ByteBuffer[] parts = windows(lengths, null);
            ByteBuffer input = bytesOf(TcpRingProcessGroupTest.filled(r, n), n);
            assertTrue(groups.get(r).allGatherParts(input, parts), "taken by shared memory");
            // 3 x 80 bytes: below the threshold, left to the caller with nothing written
            ByteBuffer[] small = windows(new int[] {20, 40}, null);
            assertFalse(groups.get(r).allGatherParts(direct(20), small));
            assertEquals(0f, at(small, 0));
            return parts;
        });
        for (int r = 0; r < 3; r++) {
            for (int k = 0; k < 3; k++) {
                FloatBuffer want = TcpRingProcessGroupTest.filled(k, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(want.get(i), at(out.get(r), k * n + i), "rank " + r + " from rank " + k + " element " + i);
                }
            }
        }
    }

    @Test
    void partsBelowTheThresholdAreLeftToTheCaller() {
        wrap(2, 1024);
        for (SharedMemoryGroup g : groups) {
            ByteBuffer a = ByteBuffer.allocateDirect(400).order(ByteOrder.nativeOrder()).putFloat(0, 3f);
            ByteBuffer b = ByteBuffer.allocateDirect(400).order(ByteOrder.nativeOrder());
            assertFalse(g.allReduceParts(new ByteBuffer[] {a, b}, ReduceOp.SUM), "800 bytes, threshold 1,024");
            assertEquals(3f, a.getFloat(0), "untouched");
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        SharedMemoryGroup.PIECE_PROPERTY + ", 65537", // not a multiple of 4
        SharedMemoryGroup.PIECE_PROPERTY + ", 16m",
        SharedMemoryGroup.ONE_BARRIER_PROPERTY + ", 128 KiB",
        SharedMemoryGroup.THRESHOLD_PROPERTY + ", lots"})
    void aSizePropertyThatIsNotAValidNumberIsRefusedBeforeAnyCollective(String name, String value) {
        rings = TcpRingProcessGroup.local(2, RingOptions.defaults());
        System.setProperty(name, value);
        try {
            // one rank alone: a call that ran a collective would wait for its peer instead of failing
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SharedMemoryGroup.wrap(rings.get(0), secret));
            assertTrue(e.getMessage().contains(name) && e.getMessage().contains(value), e.getMessage());
        } finally {
            System.clearProperty(name);
            rings.forEach(TcpRingProcessGroup::close);
        }
    }
}
