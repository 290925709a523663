package dev.raylightning.strategies.horovod;

import dev.raylightning.core.collective.WireFormat;

/**
 * How gradients travel between workers (Horovod's {@code hvd.Compression}): as float32, or as
 * 16-bit values, half the bytes, with partial sums accumulated in float32 at every hop.
 */
public enum Compression {
    /** float32 on the wire ({@code Compression.none}, the default). */
    NONE(WireFormat.FLOAT32),
    /** IEEE half precision on the wire ({@code Compression.fp16}). */
    FP16(WireFormat.FLOAT16),
    /** bfloat16 on the wire: float32's range, 8 bits of precision. */
    BF16(WireFormat.BFLOAT16);

    private final WireFormat wire;

    Compression(WireFormat wire) {
        this.wire = wire;
    }

    /** The collective's wire format. */
    public WireFormat wire() {
        return wire;
    }
}
