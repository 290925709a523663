package dev.raylightning.core.collective.tcp;

import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.tcp.CollectiveException.Reason;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 24-byte frame header of the ring protocol (big-endian ints). Data flows rank r to r+1
 * as DATA frames; the reverse direction of the same connection carries only the handshake
 * answer and ABORT notices, so a failure can travel both ways around the ring.
 *
 * <pre>
 * DATA   kind seq opSig count index length   then length payload bytes (native floats)
 * ABORT  kind seq origin reason 0 0
 * HELLO  kind from to size 0 0   then a 16-byte tag; kind tells the sender's byte order
 * OK     kind 0...
 * REJECT kind why 0...
 * </pre>
 *
 * <p>The hello's tag is derived from the launch's {@link GroupSecret} and the header's ints
 * (HMAC-SHA256, cut to 16 bytes): it proves the sender knows the secret without sending it, and
 * is valid for this one pair of ranks only.
 */
final class Frame {

    static final int BYTES = 24;
    static final int TAG_BYTES = 16;
    /** A hello: the header and its tag. */
    static final int HELLO_BYTES = BYTES + TAG_BYTES;

    static final int DATA = 0x52474431;      // "RGD1"
    static final int ABORT = 0x52474131;     // "RGA1"
    static final int HELLO_LE = 0x52474C31;  // "RGL1"
    static final int HELLO_BE = 0x52474231;  // "RGB1"
    static final int OK = 0x52474F4B;        // "RGOK"
    static final int REJECT = 0x5247524A;    // "RGRJ"

    private Frame() {}

    static int hello() {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? HELLO_LE : HELLO_BE;
    }

    static ByteBuffer allocate() {
        return ByteBuffer.allocateDirect(BYTES);
    }

    static ByteBuffer allocateHello() {
        return ByteBuffer.allocateDirect(HELLO_BYTES);
    }

    static void putData(ByteBuffer b, int seq, int opSig, int count, int index, int length) {
        b.clear();
        b.putInt(DATA).putInt(seq).putInt(opSig).putInt(count).putInt(index).putInt(length);
        b.flip();
    }

    static void putAbort(ByteBuffer b, int seq, int origin, Reason reason) {
        b.clear();
        b.putInt(ABORT).putInt(seq).putInt(origin).putInt(reason.ordinal()).putInt(0).putInt(0);
        b.flip();
    }

    /** A hello of {@link #HELLO_BYTES} into {@code b}. */
    static void putHello(ByteBuffer b, int from, int to, int size, GroupSecret secret) {
        b.clear();
        b.putInt(hello()).putInt(from).putInt(to).putInt(size).putInt(0).putInt(0);
        b.put(helloTag(secret, hello(), from, to, size));
        b.flip();
    }

    /** Whether the complete hello in {@code b} carries the tag that {@code secret} gives its header. */
    static boolean tagMatches(ByteBuffer b, GroupSecret secret) {
        byte[] got = new byte[TAG_BYTES];
        b.get(BYTES, got);
        return GroupSecret.same(got, helloTag(secret, field(b, 0), field(b, 1), field(b, 2), field(b, 3)));
    }

    private static byte[] helloTag(GroupSecret secret, int kind, int from, int to, int size) {
        return java.util.Arrays.copyOf(secret.derive("ring-hello", kind, from, to, size), TAG_BYTES);
    }

    static void putSimple(ByteBuffer b, int kind, int value) {
        b.clear();
        b.putInt(kind).putInt(value).putInt(0).putInt(0).putInt(0).putInt(0);
        b.flip();
    }

    /** The int at field {@code i} (0 = kind) of a complete header. */
    static int field(ByteBuffer b, int i) {
        return b.getInt(i * 4);
    }

    static Reason reason(int ordinal) {
        Reason[] all = Reason.values();
        return ordinal >= 0 && ordinal < all.length ? all[ordinal] : Reason.ABORTED;
    }
}
