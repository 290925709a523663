package dev.raylightning.core.collective.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raylightning.core.collective.ReduceOp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every collective against a naive reference, on N ranks that are threads of this JVM, each
 * with its own group over real loopback sockets. Values are multiples of 1/8 small enough that
 * every sum is exact in float, so results must match the reference bit for bit whatever the
 * order of reduction.
 */
class TcpRingProcessGroupTest {

    private static final int BIG = (1 << 20) + 7;
    /** Tiny chunks: a few hundred floats already take many pipelined frames. */
    private static final RingOptions FINE = RingOptions.defaults().withChunkBytes(256);

    private List<TcpRingProcessGroup> groups = List.of();

    @AfterEach
    void closeGroups() {
        groups.forEach(TcpRingProcessGroup::close);
    }

    static float value(int rank, int i) {
        return ((i * 7 + rank * 13) % 2049 - 1024) / 8f;
    }

    static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static FloatBuffer filled(int rank, int n) {
        FloatBuffer b = direct(n);
        for (int i = 0; i < n; i++) {
            b.put(i, value(rank, i));
        }
        return b;
    }

    static float reference(ReduceOp op, int size, int i) {
        float acc = value(0, i);
        for (int r = 1; r < size; r++) {
            acc = op.combine(acc, value(r, i));
        }
        return op == ReduceOp.AVG ? acc / size : acc;
    }

    static float[] toArray(FloatBuffer b) {
        float[] a = new float[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3, 4})
    void allReduceMatchesReferenceForEverySizeAndOp(int size) {
        check(size, FINE, new int[] {0, 1, 3, 1000});
        closeGroups();
        check(size, RingOptions.defaults(), new int[] {1000, BIG});
    }

    private void check(int size, RingOptions options, int[] sizes) {
        groups = TcpRingProcessGroup.local(size, options);
        for (int n : sizes) {
            for (ReduceOp op : ReduceOp.values()) {
                List<float[]> results = Ranks.run(size, r -> {
                    FloatBuffer b = filled(r, n);
                    groups.get(r).allReduce(b, op);
                    assertEquals(0, b.position());
                    assertEquals(n, b.limit());
                    return toArray(b);
                });
                float[] expected = new float[n];
                for (int i = 0; i < n; i++) {
                    expected[i] = reference(op, size, i);
                }
                for (int r = 0; r < size; r++) {
                    assertArrayEquals(expected, results.get(r), "rank " + r + ", n=" + n + ", " + op);
                }
            }
        }
    }

    static ByteBuffer bytes(FloatBuffer floats) {
        ByteBuffer b = ByteBuffer.allocateDirect(floats.remaining() * 4).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(floats.duplicate());
        return b;
    }

    static float[] toArray(ByteBuffer b) {
        return toArray(b.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer());
    }

    /** Odd ranks use the zero-copy byte overloads, even ranks the FloatBuffer SPI: same wire, same results. */
    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void byteBufferOverloadsMatchTheReferenceAndMixWithFloatBuffers(int size) {
        groups = TcpRingProcessGroup.local(size, FINE);
        for (int n : new int[] {0, 1, 3, 1000}) {
            for (ReduceOp op : ReduceOp.values()) {
                List<float[]> out = Ranks.run(size, r -> {
                    TcpRingProcessGroup g = groups.get(r);
                    if (r % 2 == 0) {
                        FloatBuffer b = filled(r, n);
                        g.allReduce(b, op);
                        return toArray(b);
                    }
                    ByteBuffer b = bytes(filled(r, n));
                    g.allReduce(b, op);
                    assertEquals(0, b.position());
                    return toArray(b);
                });
                for (int r = 0; r < size; r++) {
                    for (int i = 0; i < n; i++) {
                        assertEquals(reference(op, size, i), out.get(r)[i], "rank " + r + " n " + n + " " + op);
                    }
                }
            }
            List<float[]> gathered = Ranks.run(size, r -> {
                ByteBuffer o = ByteBuffer.allocateDirect(size * n * 4);
                groups.get(r).allGather(bytes(filled(r, n)), o);
                return toArray(o);
            });
            List<float[]> scattered = Ranks.run(size, r -> {
                ByteBuffer o = ByteBuffer.allocateDirect(n * 4);
                groups.get(r).reduceScatter(bytes(filled(r, size * n)), o, ReduceOp.SUM);
                return toArray(o);
            });
            List<float[]> cast = Ranks.run(size, r -> {
                ByteBuffer b = bytes(filled(r, n));
                groups.get(r).broadcast(b, size - 1);
                return toArray(b);
            });
            List<float[]> reduced = Ranks.run(size, r -> {
                ByteBuffer b = bytes(filled(r, n));
                groups.get(r).reduce(b, ReduceOp.MAX, 0);
                return toArray(b);
            });
            for (int r = 0; r < size; r++) {
                for (int i = 0; i < n; i++) {
                    for (int src = 0; src < size; src++) {
                        assertEquals(value(src, i), gathered.get(r)[src * n + i]);
                    }
                    assertEquals(reference(ReduceOp.SUM, size, r * n + i), scattered.get(r)[i]);
                    assertEquals(value(size - 1, i), cast.get(r)[i]);
                }
            }
            for (int i = 0; i < n; i++) {
                assertEquals(reference(ReduceOp.MAX, size, i), reduced.get(0)[i]);
            }
        }
    }

    @Test
    void bigByteBufferAllReduceFromAnOffsetPosition() {
        groups = TcpRingProcessGroup.local(2, RingOptions.defaults());
        List<float[]> out = Ranks.run(2, r -> {
            ByteBuffer whole = ByteBuffer.allocateDirect(BIG * 4 + 12).order(ByteOrder.nativeOrder());
            whole.position(12);
            whole.slice().order(ByteOrder.nativeOrder()).asFloatBuffer().put(filled(r, BIG));
            groups.get(r).allReduce(whole, ReduceOp.AVG);
            assertEquals(12, whole.position());
            return toArray(whole.slice());
        });
        for (float[] got : out) {
            for (int i = 0; i < BIG; i += 997) {
                assertEquals(reference(ReduceOp.AVG, 2, i), got[i]);
            }
        }
    }

    @Test
    void allReduceWorksBetweenPositionAndLimitOnly() {
        groups = TcpRingProcessGroup.local(3, FINE);
        int n = 777;
        List<float[]> results = Ranks.run(3, r -> {
            FloatBuffer whole = direct(n + 20);
            for (int i = 0; i < n + 20; i++) {
                whole.put(i, i < 10 || i >= n + 10 ? -99f : value(r, i - 10));
            }
            whole.position(10).limit(n + 10);
            groups.get(r).allReduce(whole, ReduceOp.SUM);
            assertEquals(10, whole.position());
            assertEquals(n + 10, whole.limit());
            return toArray(whole.clear());
        });
        for (float[] got : results) {
            for (int i = 0; i < n + 20; i++) {
                float want = i < 10 || i >= n + 10 ? -99f : reference(ReduceOp.SUM, 3, i - 10);
                assertEquals(want, got[i], "index " + i);
            }
        }
    }

    @Test
    void heapAndBigEndianBuffersWorkToo() {
        groups = TcpRingProcessGroup.local(2, FINE);
        int n = 501;
        List<float[]> results = Ranks.run(2, r -> {
            FloatBuffer b = r == 0 ? FloatBuffer.allocate(n) : ByteBuffer.allocateDirect(n * 4).asFloatBuffer();
            for (int i = 0; i < n; i++) {
                b.put(i, value(r, i));
            }
            groups.get(r).allReduce(b, ReduceOp.MAX);
            return toArray(b);
        });
        for (int i = 0; i < n; i++) {
            assertEquals(reference(ReduceOp.MAX, 2, i), results.get(0)[i]);
            assertEquals(reference(ReduceOp.MAX, 2, i), results.get(1)[i]);
        }
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3, 4})
    void reduceScatterLeavesEachRankItsReducedSegment(int size) {
        groups = TcpRingProcessGroup.local(size, FINE);
        for (int n : new int[] {0, 1, 3, 1000, 20_011}) {
            for (ReduceOp op : ReduceOp.values()) {
                List<float[]> out = Ranks.run(size, r -> {
                    FloatBuffer in = filled(r, size * n);
                    FloatBuffer o = direct(n);
                    groups.get(r).reduceScatter(in, o, op);
                    assertArrayEquals(toArray(filled(r, size * n)), toArray(in), "input must stay intact");
                    return toArray(o);
                });
                for (int r = 0; r < size; r++) {
                    for (int i = 0; i < n; i++) {
                        assertEquals(reference(op, size, r * n + i), out.get(r)[i], "rank " + r + " i " + i + " " + op);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3, 4})
    void allGatherConcatenatesInRankOrder(int size) {
        groups = TcpRingProcessGroup.local(size, FINE);
        for (int n : new int[] {0, 1, 3, 1000, 20_011}) {
            List<float[]> out = Ranks.run(size, r -> {
                FloatBuffer o = direct(size * n);
                groups.get(r).allGather(filled(r, n), o);
                return toArray(o);
            });
            for (int r = 0; r < size; r++) {
                for (int src = 0; src < size; src++) {
                    for (int i = 0; i < n; i++) {
                        assertEquals(value(src, i), out.get(r)[src * n + i]);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3, 4})
    void broadcastCopiesTheRootsBufferEverywhere(int size) {
        groups = TcpRingProcessGroup.local(size, FINE);
        for (int n : new int[] {0, 1, 1000, 20_011}) {
            for (int root = 0; root < size; root++) {
                int rt = root;
                List<float[]> out = Ranks.run(size, r -> {
                    FloatBuffer b = filled(r, n);
                    groups.get(r).broadcast(b, rt);
                    return toArray(b);
                });
                for (int r = 0; r < size; r++) {
                    assertArrayEquals(toArray(filled(rt, n)), out.get(r), "rank " + r + " root " + rt);
                }
            }
        }
        closeGroups();
        groups = TcpRingProcessGroup.local(size, RingOptions.defaults());
        List<float[]> out = Ranks.run(size, r -> {
            FloatBuffer b = filled(r, BIG);
            groups.get(r).broadcast(b, size - 1);
            return toArray(b);
        });
        out.forEach(a -> assertArrayEquals(toArray(filled(size - 1, BIG)), a));
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3, 4})
    void reduceLandsOnTheRoot(int size) {
        groups = TcpRingProcessGroup.local(size, FINE);
        for (int n : new int[] {0, 1, 3, 1000, 20_011}) {
            for (ReduceOp op : ReduceOp.values()) {
                for (int root = 0; root < size; root++) {
                    int rt = root;
                    List<float[]> out = Ranks.run(size, r -> {
                        FloatBuffer b = filled(r, n);
                        groups.get(r).reduce(b, op, rt);
                        return toArray(b);
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(reference(op, size, i), out.get(rt)[i], "root " + rt + " i " + i + " " + op);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3, 4})
    void barrierReturnsOnlyAfterEveryRankEntered(int size) {
        groups = TcpRingProcessGroup.local(size, RingOptions.defaults());
        AtomicLongArray entered = new AtomicLongArray(size);
        AtomicLongArray left = new AtomicLongArray(size);
        Ranks.run(size, r -> {
            Thread.sleep(40L * r);
            entered.set(r, System.nanoTime());
            groups.get(r).barrier();
            left.set(r, System.nanoTime());
            return null;
        });
        long lastEntry = 0;
        long firstExit = Long.MAX_VALUE;
        for (int r = 0; r < size; r++) {
            lastEntry = Math.max(lastEntry, entered.get(r));
            firstExit = Math.min(firstExit, left.get(r));
        }
        assertTrue(firstExit >= lastEntry, "a rank left the barrier before the last one entered");
    }

    @Test
    void manyMixedCallsInARowStayInStep() {
        groups = TcpRingProcessGroup.local(3, FINE);
        List<Float> sums = Ranks.run(3, r -> {
            TcpRingProcessGroup g = groups.get(r);
            float total = 0;
            for (int it = 0; it < 150; it++) {
                FloatBuffer b = filled(r, it % 7);
                g.allReduce(b, ReduceOp.SUM);
                FloatBuffer one = direct(1).put(0, r + it);
                g.broadcast(one, it % 3);
                total += one.get(0);
                if (it % 10 == 0) {
                    g.barrier();
                }
            }
            return total;
        });
        assertEquals(sums.get(0), sums.get(1));
        assertEquals(sums.get(0), sums.get(2));
    }

    /**
     * A rank that finishes the last call and closes at once must not fail a slower neighbour
     * that still reads the last frames (already in flight) from the kernel.
     */
    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3})
    void closingRightAfterTheLastCallDoesNotFailSlowerRanks(int size) {
        for (int round = 0; round < 8; round++) {
            List<TcpRingProcessGroup> ring = TcpRingProcessGroup.local(size, RingOptions.defaults());
            List<float[]> out = Ranks.run(size, r -> {
                try (TcpRingProcessGroup g = ring.get(r)) {
                    FloatBuffer b = filled(r, 1 << 20);
                    g.allReduce(b, ReduceOp.SUM);
                    return toArray(b);
                }
            });
            for (int r = 0; r < size; r++) {
                assertEquals(reference(ReduceOp.SUM, size, 12345), out.get(r)[12345]);
            }
        }
    }

    @Test
    void groupOfOneKeepsDataAndAveragesToItself() {
        groups = TcpRingProcessGroup.local(1, RingOptions.defaults());
        TcpRingProcessGroup g = groups.get(0);
        FloatBuffer b = filled(0, 10);
        g.allReduce(b, ReduceOp.AVG);
        g.broadcast(b, 0);
        g.reduce(b, ReduceOp.SUM, 0);
        g.barrier();
        assertArrayEquals(toArray(filled(0, 10)), toArray(b));
        FloatBuffer o = direct(10);
        g.allGather(b, o);
        assertArrayEquals(toArray(b), toArray(o));
        assertThrows(IllegalArgumentException.class, () -> g.broadcast(b, 1));
    }

    @Test
    void wrongSizesAndRootsAreRejectedBeforeAnythingIsSent() {
        groups = TcpRingProcessGroup.local(2, FINE);
        TcpRingProcessGroup g = groups.get(0);
        assertThrows(IllegalArgumentException.class, () -> g.reduceScatter(direct(5), direct(3), ReduceOp.SUM));
        assertThrows(IllegalArgumentException.class, () -> g.allGather(direct(3), direct(5)));
        assertThrows(IllegalArgumentException.class, () -> g.broadcast(direct(3), 2));
        assertThrows(IllegalArgumentException.class, () -> g.reduce(direct(3), ReduceOp.SUM, -1));
        // Still usable: nothing was sent.
        Ranks.run(2, r -> {
            groups.get(r).barrier();
            return null;
        });
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailFast() {
        groups = TcpRingProcessGroup.local(2, FINE);
        TcpRingProcessGroup g = groups.get(0);
        g.close();
        g.close();
        assertThrows(IllegalStateException.class, () -> g.barrier());
    }

    @Test
    void endpointsRoundTripThroughText() {
        assertEquals(new Endpoint("127.0.0.1", 4242), Endpoint.parse("127.0.0.1:4242"));
        assertEquals(new Endpoint("::1", 7), Endpoint.parse(new Endpoint("::1", 7).toString()));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("nohost"));
    }
}
