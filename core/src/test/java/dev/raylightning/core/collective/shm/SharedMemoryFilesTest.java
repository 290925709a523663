package dev.raylightning.core.collective.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.tcp.CollectiveException;
import dev.raylightning.core.collective.tcp.RingOptions;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files behind shared-memory groups in /dev/shm: owner-only, never through a planted link,
 * gone after a failure, stale ones removed, and no segments at all without room. Ranks are threads.
 */
class SharedMemoryFilesTest {

    private static final Path SHM = SharedMemoryGroup.SHM_DIR;
    private static final long PID = ProcessHandle.current().pid();
    /** Floats of the large all-reduces: 4 MiB, over the default threshold. */
    private static final int N = 1 << 20;

    private final GroupSecret secret = GroupSecret.random();
    private final SegmentFiles names = new SegmentFiles(SHM, secret);
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Path> toDelete = new ArrayList<>();
    /** One thread per rank: the common pool may have a single thread, and ranks wait on each other. */
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @TempDir
    Path tmp;

    @AfterEach
    void cleanUp() throws Exception {
        threads.shutdownNow();
        for (AutoCloseable c : toClose) {
            c.close();
        }
        for (Path p : toDelete) {
            Files.deleteIfExists(p);
        }
    }

    /** Wraps {@code size} thread ranks, rank r's ring seen through {@code inner.apply(ring)}. */
    private List<SharedMemoryGroup> wrap(int size, LongSupplier usable, IntFunction<Spy> spies) throws Exception {
        // the ring's barriers: the spies count the votes of the data segments, and the futex
        // barriers' agreement and control segments would come before them
        return wrap(size, usable, spies, r -> false);
    }

    /** The same, rank r asking for futex barriers where {@code futex} says so. */
    private List<SharedMemoryGroup> wrap(int size, LongSupplier usable, IntFunction<Spy> spies, IntPredicate futex)
            throws Exception {
        List<TcpRingProcessGroup> rings = TcpRingProcessGroup.local(size,
                RingOptions.defaults().withCollectiveTimeout(Duration.ofSeconds(10)));
        toClose.addAll(rings);
        List<CompletableFuture<SharedMemoryGroup>> made = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            Spy spy = spies.apply(r);
            ProcessGroup inner = spy == null ? rings.get(r) : spy.on(rings.get(r));
            boolean futexBarriers = futex.test(r);
            made.add(CompletableFuture.supplyAsync(() -> SharedMemoryGroup.wrap(inner, secret, 0, SHM, usable,
                    futexBarriers), threads));
        }
        List<SharedMemoryGroup> groups = new ArrayList<>();
        for (CompletableFuture<SharedMemoryGroup> f : made) {
            groups.add(f.get(30, TimeUnit.SECONDS));
        }
        toClose.addAll(groups);
        assertTrue(groups.stream().allMatch(SharedMemoryGroup::isShared), "threads of one JVM share memory");
        return groups;
    }

    /** Runs a large SUM all-reduce on every rank; each rank's outcome (its buffer, or its failure). */
    private List<CompletableFuture<ByteBuffer>> allReduce(List<SharedMemoryGroup> groups) {
        List<CompletableFuture<ByteBuffer>> out = new ArrayList<>();
        for (SharedMemoryGroup g : groups) {
            out.add(CompletableFuture.supplyAsync(() -> {
                ByteBuffer b = ByteBuffer.allocateDirect(N * 4).order(ByteOrder.nativeOrder());
                for (int i = 0; i < N; i++) {
                    b.putFloat(i * 4, g.rank() + i % 7);
                }
                g.allReduce(b, ReduceOp.SUM);
                return b;
            }, threads));
        }
        return out;
    }

    private static void assertSums(List<CompletableFuture<ByteBuffer>> out, int size) throws Exception {
        for (CompletableFuture<ByteBuffer> f : out) {
            ByteBuffer b = f.get(30, TimeUnit.SECONDS);
            for (int i = 0; i < N; i += 4099) {
                assertEquals(size * (size - 1) / 2f + size * (i % 7), b.getFloat(i * 4), "element " + i);
            }
        }
    }

    private List<Path> segmentsOfGeneration1(int size) {
        List<Path> all = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            for (int p = 0; p < 2; p++) {
                all.add(names.segment(PID, 1, r, p));
            }
        }
        return all;
    }

    private static List<Path> existing(List<Path> paths) {
        return paths.stream().filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS)).toList();
    }

    @Test
    void segmentsAreCreatedOwnerOnlyAndGoneOnceMapped() throws Exception {
        List<String> seen = new ArrayList<>();
        // the vote after creating: rank 0's files exist, nobody has mapped them yet
        List<SharedMemoryGroup> groups = wrap(2, () -> Long.MAX_VALUE, r -> r != 0 ? null : new Spy(2, () -> {
            for (int p = 0; p < 2; p++) {
                try {
                    seen.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(names.segment(PID, 1, 0, p),
                            LinkOption.NOFOLLOW_LINKS)));
                } catch (IOException e) {
                    seen.add(e.toString());
                }
            }
        }));
        assertSums(allReduce(groups), 2);
        assertEquals(List.of("rw-------", "rw-------"), seen);
        assertEquals(List.of(), existing(segmentsOfGeneration1(2)));
        assertTrue(groups.get(0).isShared(), "the all-reduce went through shared memory");
    }

    @Test
    void aLinkPlantedAtASegmentNameIsRefusedAndItsTargetUntouched() throws Exception {
        Path target = Files.writeString(tmp.resolve("precious"), "precious bytes");
        Path link = names.segment(PID, 1, 0, 0);
        toDelete.add(link);
        Files.createSymbolicLink(link, target);

        List<SharedMemoryGroup> groups = wrap(2, () -> Long.MAX_VALUE, r -> null);
        assertSums(allReduce(groups), 2); // on the ring

        assertEquals("precious bytes", Files.readString(target));
        assertEquals(14, Files.size(target));
        assertTrue(Files.isSymbolicLink(link), "what was planted stays as it was");
        for (SharedMemoryGroup g : groups) {
            assertFalse(g.isShared());
            assertTrue(g.notSharedReason().orElseThrow().contains("create"), g.notSharedReason().orElseThrow());
        }
        List<Path> others = new ArrayList<>(segmentsOfGeneration1(2));
        others.remove(link);
        assertEquals(List.of(), existing(others));
    }

    @Test
    void aRankThatDiesWhileSegmentsAreMadeLeavesNoFileOnceTheGroupFailed() throws Exception {
        CountDownLatch dead = new CountDownLatch(1);
        List<Path> leftByTheDead = new ArrayList<>();
        List<TcpRingProcessGroup> ringOfOne = new ArrayList<>();
        List<SharedMemoryGroup> groups = wrap(3, () -> Long.MAX_VALUE, r -> r != 1 ? null : new Spy(2, () -> {
            // rank 1 made its segments, then its process dies: sockets close, no finally runs
            leftByTheDead.addAll(existing(List.of(names.segment(PID, 1, 1, 0), names.segment(PID, 1, 1, 1))));
            ringOfOne.get(0).close();
            try {
                dead.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("dead");
        }, ringOfOne));
        List<CompletableFuture<ByteBuffer>> out = allReduce(groups);
        try {
            for (int r : new int[] {0, 2}) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> out.get(r).get(30, TimeUnit.SECONDS));
                assertInstanceOf(CollectiveException.class, e.getCause());
            }
            assertEquals(2, leftByTheDead.size(), "the dead rank had made its files");
            assertEquals(List.of(), existing(segmentsOfGeneration1(3)), "the survivors removed every file");
        } finally {
            dead.countDown();
        }
    }

    @Test
    void withoutRoomTheGroupStaysOnTheRingAndSaysWhy() throws Exception {
        List<SharedMemoryGroup> groups = wrap(2, () -> 32L << 20, r -> null); // Docker's /dev/shm, half used
        assertSums(allReduce(groups), 2);
        for (SharedMemoryGroup g : groups) {
            assertFalse(g.isShared());
            String why = g.notSharedReason().orElseThrow();
            assertTrue(why.startsWith("not enough room in /dev/shm: 33554432 bytes usable"), why);
            assertTrue(g.toString().contains(why), g.toString());
        }
        assertEquals(List.of(), existing(segmentsOfGeneration1(2)), "no segment was made");
    }

    @Test
    void ranksThatDisagreeOnFutexesAllWaitThroughTheRing() throws Exception {
        List<SharedMemoryGroup> groups = wrap(2, () -> Long.MAX_VALUE, r -> null, r -> r == 0);
        assertSums(allReduce(groups), 2);
        assertSums(allReduce(groups), 2);
        for (SharedMemoryGroup g : groups) {
            assertFalse(g.hasSharedMemoryBarriers(), g.toString());
            assertTrue(g.isShared(), g.toString());
        }
        // the same ranks agreeing: futex barriers, and the data segments still of generation 1
        List<SharedMemoryGroup> agreeing = wrap(2, () -> Long.MAX_VALUE, r -> null, r -> true);
        assertSums(allReduce(agreeing), 2);
        for (SharedMemoryGroup g : agreeing) {
            assertTrue(g.hasSharedMemoryBarriers(), g.toString());
        }
        List<Path> control = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            for (int p = 0; p < 2; p++) {
                control.add(names.segment(PID, 0, r, p));
            }
        }
        assertEquals(List.of(), existing(control), "control segments are unlinked once mapped, as data segments");
        assertEquals(List.of(), existing(segmentsOfGeneration1(2)));
    }

    @Test
    void filesOfDeadProcessesAreRemovedAtStartAndOthersKept() throws Exception {
        Process gone = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-version").redirectErrorStream(true).start();
        gone.getInputStream().readAllBytes();
        assertTrue(gone.waitFor(30, TimeUnit.SECONDS));
        long deadPid = gone.pid();
        assertTrue(ProcessHandle.of(deadPid).isEmpty(), "the process has gone");
        Path stale = SHM.resolve(SegmentFiles.PREFIX + deadPid + "-" + randomHex());
        Path staleLink = SHM.resolve(SegmentFiles.PREFIX + deadPid + "-" + randomHex());
        Path live = SHM.resolve(SegmentFiles.PREFIX + PID + "-" + randomHex());
        toDelete.addAll(List.of(stale, staleLink, live));
        Files.write(stale, new byte[4096]);
        Files.createSymbolicLink(staleLink, tmp);
        Files.write(live, new byte[16]);

        wrap(2, () -> Long.MAX_VALUE, r -> null);

        assertFalse(Files.exists(stale, LinkOption.NOFOLLOW_LINKS), "a dead process's file is removed");
        assertTrue(Files.isSymbolicLink(staleLink), "a link is not ours to remove");
        assertTrue(Files.exists(live), "a live process's file stays");
    }

    private static String randomHex() {
        return HexFormat.of().formatHex(GroupSecret.random().derive("test"), 0, 16);
    }
}
