package dev.raylightning.core.collective.tcp;

import static dev.raylightning.core.collective.tcp.WireAllReduceTest.assertBitIdentical;
import static dev.raylightning.core.collective.tcp.WireAllReduceTest.assertNearReference;
import static dev.raylightning.core.collective.tcp.WireAllReduceTest.input;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.SingleProcessGroup;
import dev.raylightning.core.collective.WireFormat;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default 16-bit all-reduce of {@link ProcessGroup}, over a group that only forwards the
 * float collectives to a TCP ring (so the default runs, on a real all-gather).
 */
class DefaultWireAllReduceTest {

    private List<TcpRingProcessGroup> rings = List.of();

    @AfterEach
    void close() {
        rings.forEach(TcpRingProcessGroup::close);
    }

    /** Forwards the abstract collectives only: the wire all-reduce is the interface's default. */
    private record Plain(ProcessGroup inner) implements ProcessGroup {
        public int rank() {
            return inner.rank();
        }

        public int size() {
            return inner.size();
        }

        public void allReduce(FloatBuffer buffer, ReduceOp op) {
            inner.allReduce(buffer, op);
        }

        public void reduceScatter(FloatBuffer input, FloatBuffer output, ReduceOp op) {
            inner.reduceScatter(input, output, op);
        }

        public void allGather(FloatBuffer input, FloatBuffer output) {
            inner.allGather(input, output);
        }

        public void broadcast(FloatBuffer buffer, int root) {
            inner.broadcast(buffer, root);
        }

        public void reduce(FloatBuffer buffer, ReduceOp op, int root) {
            inner.reduce(buffer, op, root);
        }

        public void barrier() {
            inner.barrier();
        }

        public void close() {}
    }

    /** The default's arithmetic: rounded inputs summed in rank order in float32, divided, rounded once. */
    static float[] gatherEmulation(int size, int n, ReduceOp op, WireFormat wire) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float acc = wire.round(input(0, n)[i]);
            for (int r = 1; r < size; r++) {
                acc += wire.round(input(r, n)[i]);
            }
            out[i] = wire.round(op == ReduceOp.AVG ? acc / size : acc);
        }
        return out;
    }

    @ParameterizedTest(name = "{0} ranks")
    @ValueSource(ints = {2, 3, 4})
    void everyRankEndsWithTheRankOrderSumOfTheRoundedInputs(int size) {
        rings = TcpRingProcessGroup.local(size, RingOptions.defaults().withChunkBytes(256));
        List<ProcessGroup> plain = rings.stream().<ProcessGroup>map(Plain::new).toList();
        for (int n : new int[] {0, 1, size - 1, 7, 300}) {
            for (WireFormat wire : new WireFormat[] {WireFormat.FLOAT16, WireFormat.BFLOAT16}) {
                for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.AVG}) {
                    String what = size + " ranks, n=" + n + ", " + wire + ", " + op;
                    List<float[]> out = WireAllReduceTest.allReduce(plain, n, op, wire);
                    float[] want = gatherEmulation(size, n, op, wire);
                    for (int r = 0; r < size; r++) {
                        assertBitIdentical(want, out.get(r), what + ", rank " + r);
                    }
                    assertNearReference(size, n, op, wire, out.get(0), what);
                }
            }
        }
    }

    @Test
    void aGroupOfOneRoundsAndRefusesOtherOps() {
        try (SingleProcessGroup one = new SingleProcessGroup()) {
            ByteBuffer b = WireAllReduceTest.bytes(new float[] {1f / 3, -0x1p-30f});
            one.allReduce(b, ReduceOp.SUM, WireFormat.BFLOAT16);
            assertBitIdentical(new float[] {WireFormat.BFLOAT16.round(1f / 3), WireFormat.BFLOAT16.round(-0x1p-30f)},
                    WireAllReduceTest.floats(b), "one rank");
            assertThrows(IllegalArgumentException.class, () -> one.allReduce(b, ReduceOp.MAX, WireFormat.FLOAT16));
        }
    }
}
