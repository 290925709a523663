package dev.raylightning.core.collective.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.WireFormat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The 16-bit all-reduce of the TCP ring, on ranks that are threads of this JVM: every rank ends
 * bit-identical, equal bit for bit to an emulation of the ring's order of additions and
 * roundings, and within the format's precision of a float64 sum of the rounded inputs.
 */
class WireAllReduceTest {

    /** Tiny frames: a few hundred values already take many pipelined frames. */
    private static final RingOptions FINE = RingOptions.defaults().withChunkBytes(256);
    private static final WireFormat[] WIRES = {WireFormat.FLOAT16, WireFormat.BFLOAT16};
    private static final ReduceOp[] OPS = {ReduceOp.SUM, ReduceOp.AVG};

    private List<TcpRingProcessGroup> groups = List.of();

    @AfterEach
    void closeGroups() {
        groups.forEach(TcpRingProcessGroup::close);
    }

    /** Rank r's input: mixed signs and magnitudes (0.01 to 100), so sums round and cancel. */
    static float[] input(int rank, int n) {
        Random random = new Random(31L * rank + n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((random.nextBoolean() ? 1 : -1) * Math.pow(10, random.nextDouble() * 4 - 2));
        }
        return x;
    }

    static ByteBuffer bytes(float[] x) {
        ByteBuffer b = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(x);
        return b;
    }

    static float[] floats(ByteBuffer b) {
        float[] x = new float[b.remaining() / 4];
        b.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(x);
        return x;
    }

    /** Runs the wire all-reduce on every rank of {@code pgs}; returns each rank's result. */
    static List<float[]> allReduce(List<? extends ProcessGroup> pgs, int n, ReduceOp op, WireFormat wire) {
        return Ranks.run(pgs.size(), r -> {
            ByteBuffer b = bytes(input(r, n));
            pgs.get(r).allReduce(b, op, wire);
            assertEquals(0, b.position());
            assertEquals(n * 4, b.limit());
            return floats(b);
        });
    }

    /**
     * What the ring computes: segment k starts at rank k, each next rank adds its rounded value
     * to the decoded partial sum in float32 and rounds the sum for the wire; the last one (rank
     * k-1) divides for AVG before the final rounding.
     */
    static float[] ringEmulation(int size, int n, ReduceOp op, WireFormat wire) {
        float[][] x = new float[size][];
        for (int r = 0; r < size; r++) {
            x[r] = input(r, n);
        }
        float[] out = new float[n];
        for (int k = 0; k < size; k++) {
            int start = RingPlans.start(n, size, k);
            for (int i = start; i < start + RingPlans.length(n, size, k); i++) {
                float acc = wire.round(x[k][i]);
                for (int j = 1; j < size; j++) {
                    acc += wire.round(x[(k + j) % size][i]);
                    if (j == size - 1 && op == ReduceOp.AVG) {
                        acc /= size;
                    }
                    acc = wire.round(acc);
                }
                out[i] = acc;
            }
        }
        return out;
    }

    /**
     * Every result is within size * 2^-10 (FP16) or size * 2^-7 (BF16) of the sum of the
     * magnitudes from a float64 sum of the rounded inputs: size roundings of at most half that
     * each, of partial sums no bigger than the sum of magnitudes. Plus one subnormal unit.
     */
    static void assertNearReference(int size, int n, ReduceOp op, WireFormat wire, float[] got, String what) {
        double eps = wire == WireFormat.FLOAT16 ? 0x1p-10 : 0x1p-7;
        double[] sum = new double[n];
        double[] mag = new double[n];
        for (int r = 0; r < size; r++) {
            float[] x = input(r, n);
            for (int i = 0; i < n; i++) {
                sum[i] += wire.round(x[i]);
                mag[i] += Math.abs(wire.round(x[i]));
            }
        }
        double div = op == ReduceOp.AVG ? size : 1;
        for (int i = 0; i < n; i++) {
            double want = sum[i] / div;
            double tol = size * eps * mag[i] / div + 0x1p-24;
            assertTrue(Math.abs(got[i] - want) <= tol, what + " element " + i + ": " + got[i] + " vs " + want
                    + " (tolerance " + tol + ")");
            assertEquals(Float.floatToRawIntBits(got[i]), Float.floatToRawIntBits(wire.round(got[i])),
                    what + " element " + i + " is a value of the wire format");
        }
    }

    static void assertBitIdentical(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + " element " + i + ": " + got[i] + " where " + want[i] + " was expected");
            }
        }
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3, 4})
    void ringMatchesItsEmulationAndTheReferenceOnEveryRank(int size) {
        groups = TcpRingProcessGroup.local(size, FINE);
        check(size, new int[] {0, 1, 2, size - 1, size + 1, 1000, 10_007});
        closeGroups();
        groups = TcpRingProcessGroup.local(size, RingOptions.defaults());
        check(size, new int[] {(1 << 18) + 3});
    }

    private void check(int size, int[] sizes) {
        for (int n : sizes) {
            for (WireFormat wire : WIRES) {
                for (ReduceOp op : OPS) {
                    String what = size + " ranks, n=" + n + ", " + wire + ", " + op;
                    List<float[]> out = allReduce(groups, n, op, wire);
                    float[] emulated = ringEmulation(size, n, op, wire);
                    for (int r = 0; r < size; r++) {
                        assertBitIdentical(emulated, out.get(r), what + ", rank " + r);
                    }
                    assertNearReference(size, n, op, wire, out.get(0), what);
                }
            }
        }
    }

    @Test
    void onlyTheBytesBetweenPositionAndLimitAreReducedAndFloat32IsThePlainAllReduce() {
        groups = TcpRingProcessGroup.local(3, FINE);
        int n = 501;
        List<ByteBuffer> out = Ranks.run(3, r -> {
            ByteBuffer whole = bytes(input(r, n + 2));
            ByteBuffer mid = whole.duplicate().order(ByteOrder.nativeOrder()).position(4).limit(4 + n * 4);
            groups.get(r).allReduce(mid, ReduceOp.SUM, WireFormat.BFLOAT16);
            assertEquals(4, mid.position());
            ByteBuffer plain = bytes(input(r, n));
            groups.get(r).allReduce(plain, ReduceOp.SUM, WireFormat.FLOAT32);
            ByteBuffer reference = bytes(input(r, n));
            groups.get(r).allReduce(reference, ReduceOp.SUM);
            assertBitIdentical(floats(reference), floats(plain), "FLOAT32 wire, rank " + r);
            return whole;
        });
        for (int r = 0; r < 3; r++) {
            float[] whole = floats(out.get(r));
            float[] x = input(r, n + 2);
            assertEquals(x[0], whole[0], "the float before the position is untouched");
            assertEquals(x[n + 1], whole[n + 1], "the float after the limit is untouched");
            float[] mid = new float[n];
            System.arraycopy(whole, 1, mid, 0, n);
            float[] ranks0 = new float[n];
            System.arraycopy(floats(out.get(0)), 1, ranks0, 0, n);
            assertBitIdentical(ranks0, mid, "rank " + r);
        }
    }

    /** The same input through FLOAT32 and FLOAT16: a rank sends half the bytes, headers included. */
    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3, 4})
    void sixteenBitFramesHalveTheBytesSent(int size) {
        groups = TcpRingProcessGroup.local(size, RingOptions.defaults());
        int n = 1_000_003;
        List<double[]> ratios = Ranks.run(size, r -> {
            TcpRingProcessGroup g = groups.get(r);
            long before = g.bytesSent();
            g.allReduce(bytes(input(r, n)), ReduceOp.AVG, WireFormat.FLOAT32);
            long plain = g.bytesSent() - before;
            g.allReduce(bytes(input(r, n)), ReduceOp.AVG, WireFormat.FLOAT16);
            long half = g.bytesSent() - before - plain;
            g.allReduce(bytes(input(r, n)), ReduceOp.AVG, WireFormat.BFLOAT16);
            long bf = g.bytesSent() - before - plain - half;
            return new double[] {plain, half, bf};
        });
        for (int r = 0; r < size; r++) {
            double[] b = ratios.get(r);
            double payload = 2.0 * (size - 1) / size * 4 * n; // float32 ring all-reduce, without headers
            assertEquals(1, b[0] / payload, 0.001, "float32 bytes " + b[0] + " vs a payload of " + payload);
            System.out.printf("%d ranks, rank %d: FLOAT32 %.0f bytes, FLOAT16 %.0f (%.4f), BFLOAT16 %.0f (%.4f)%n",
                    size, r, b[0], b[1], b[1] / b[0], b[2], b[2] / b[0]);
            assertEquals(0.5, b[1] / b[0], 0.002, "FLOAT16 bytes over FLOAT32 bytes, rank " + r);
            assertEquals(0.5, b[2] / b[0], 0.002, "BFLOAT16 bytes over FLOAT32 bytes, rank " + r);
        }
    }

    @Test
    void onlySumAndAverageAndWritableBuffersInFoursAreAccepted() {
        groups = TcpRingProcessGroup.local(2, FINE);
        TcpRingProcessGroup g = groups.get(0);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN}) {
            assertThrows(IllegalArgumentException.class, () -> g.allReduce(bytes(new float[4]), op, WireFormat.FLOAT16));
        }
        assertThrows(IllegalArgumentException.class,
                () -> g.allReduce(bytes(new float[4]).asReadOnlyBuffer(), ReduceOp.SUM, WireFormat.BFLOAT16));
        assertThrows(IllegalArgumentException.class,
                () -> g.allReduce(ByteBuffer.allocateDirect(6), ReduceOp.SUM, WireFormat.FLOAT16));
        assertThrows(IllegalArgumentException.class, () -> g.allReduce(bytes(new float[4]), ReduceOp.SUM, null));
        // Refused before anything was sent: the group still works.
        List<float[]> out = allReduce(groups, 10, ReduceOp.SUM, WireFormat.FLOAT16);
        assertBitIdentical(ringEmulation(2, 10, ReduceOp.SUM, WireFormat.FLOAT16), out.get(1), "after refusals");
    }

    @Test
    void aRankOfOneRoundsItsInput() {
        groups = TcpRingProcessGroup.local(1, FINE);
        ByteBuffer b = bytes(new float[] {1f / 3, 70000f});
        groups.get(0).allReduce(b, ReduceOp.AVG, WireFormat.FLOAT16);
        // 1/3 as half is 0x3555; 70000 is beyond the largest half
        assertBitIdentical(new float[] {0.333251953125f, Float.POSITIVE_INFINITY}, floats(b), "one rank");
    }

    @Test
    void ranksThatDisagreeOnTheWireFormatMismatch() {
        RingOptions quick = FINE.withCollectiveTimeout(java.time.Duration.ofSeconds(2));
        groups = TcpRingProcessGroup.local(2, quick);
        List<Ranks.Outcome<Object>> out = Ranks.runAll(2, r -> {
            groups.get(r).allReduce(bytes(input(r, 100)), ReduceOp.SUM, r == 0 ? WireFormat.FLOAT16
                    : WireFormat.BFLOAT16);
            return "done";
        }, 30);
        for (int r = 0; r < 2; r++) {
            Throwable e = out.get(r).error();
            assertTrue(e instanceof CollectiveException, "rank " + r + ": " + e);
            assertEquals(CollectiveException.Reason.MISMATCH, ((CollectiveException) e).reason(), e.getMessage());
            assertTrue(e.getMessage().contains("different collective"), e.getMessage());
            assertTrue(e.getMessage().contains("allReduce(SUM, " + (r == 0 ? "FLOAT16" : "BFLOAT16") + ")"),
                    e.getMessage()); // calls are named with their wire format
            System.err.println("MSG " + e.getMessage());
        }
    }
}
