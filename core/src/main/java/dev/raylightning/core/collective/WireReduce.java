package dev.raylightning.core.collective;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkNotNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The argument rules of {@link ProcessGroup#allReduce(ByteBuffer, ReduceOp, WireFormat)} and its
 * default algorithm, which works on any group because it only needs an all-gather.
 */
public final class WireReduce {

    private WireReduce() {}

    /**
     * Refuses what a 16-bit all-reduce cannot do: ops other than SUM and AVG (a max or min of
     * rounded values has no use for compression), a read-only buffer, bytes not in fours.
     */
    public static void check(ByteBuffer floats, ReduceOp op, WireFormat wire) {
        checkNotNull(floats, "floats");
        checkNotNull(op, "op");
        checkNotNull(wire, "wire");
        checkArgument(op == ReduceOp.SUM || op == ReduceOp.AVG, "a %s all-reduce supports SUM and AVG, got %s",
                wire, op);
        checkArgument(!floats.isReadOnly(), "the buffer that receives the result is read-only");
        checkArgument(floats.remaining() % Float.BYTES == 0, "float bytes must come in fours, got %s",
                floats.remaining());
    }

    /**
     * The default algorithm: every rank encodes its n floats (2n bytes, padded to a float), all
     * ranks all-gather the encodings as floats, and each rank decodes and sums them in rank
     * order, in float32, divides for AVG, and rounds once. The same bytes in, the same order of
     * additions: every rank ends bit-identical. Rounding happens on the inputs and on the result.
     *
     * <p>Bytes moved: each rank receives (size-1) * 2n bytes, and sends as many on a ring
     * all-gather; a float32 ring all-reduce sends 2 * (size-1)/size * 4n. So it halves the bytes
     * only for 2 ranks, breaks even at 4 and loses beyond: groups with a wire override it. It
     * also holds size * 2n bytes of encodings while it runs.
     */
    public static void viaAllGather(ProcessGroup group, ByteBuffer floats, ReduceOp op, WireFormat wire) {
        check(floats, op, wire);
        if (wire == WireFormat.FLOAT32) {
            group.allReduce(floats, op);
            return;
        }
        FloatBuffer data = floats.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        int n = data.remaining();
        int size = group.size();
        int slotBytes = ((n + 1) / 2) * Float.BYTES; // two 16-bit values per float slot
        ByteBuffer mine = ByteBuffer.allocateDirect(slotBytes).order(ByteOrder.nativeOrder());
        ByteBuffer all = ByteBuffer.allocateDirect(Math.multiplyExact(size, slotBytes)).order(ByteOrder.nativeOrder());
        wire.encode(data, 0, mine, 0, n);
        group.allGather(mine, all);
        int stride = slotBytes / 2; // values per rank in `all`
        for (int i = 0; i < n; i++) {
            float acc = wire.decode(all.getShort(i * 2));
            for (int r = 1; r < size; r++) {
                acc += wire.decode(all.getShort((r * stride + i) * 2));
            }
            data.put(i, wire.round(op == ReduceOp.AVG ? acc / size : acc));
        }
    }
}
