package dev.raylightning.core.collective.tcp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The caller's data for one call, between its position and limit, seen two ways: as floats
 * for the reductions, and, when the caller handed over bytes, as two byte views the sockets can
 * write from and read into directly, so sends need no staging copy and gathered chunks land in
 * place. Float index {@code i} of the region is {@code floats.get(base + i)} and, with views,
 * bytes {@code 4i..4i+3} of each view. Reused from call to call; only byte callers cost four
 * small view objects per call.
 */
final class Region {

    FloatBuffer floats;
    int base;
    int length;
    /** Views over the caller's bytes (one for the sending half, one for the receiving half), or null. */
    ByteBuffer sendView;
    ByteBuffer recvView;

    /** Floats only: sends are staged, gathered chunks copied. */
    Region of(FloatBuffer buffer) {
        floats = buffer;
        base = buffer.position();
        length = buffer.remaining();
        sendView = null;
        recvView = null;
        return this;
    }

    /** Native-order floats as bytes: the sockets use the caller's memory itself. */
    Region of(ByteBuffer bytes) {
        if (bytes.remaining() % 4 != 0) {
            throw new IllegalArgumentException("a float buffer needs a multiple of 4 bytes, got " + bytes.remaining());
        }
        ByteBuffer region = bytes.slice().order(ByteOrder.nativeOrder());
        floats = region.asFloatBuffer();
        base = 0;
        length = floats.capacity();
        sendView = region.duplicate();
        recvView = region.duplicate();
        return this;
    }

    /** Forgets the caller's buffer so the group never keeps it reachable after a call. */
    void clear() {
        floats = null;
        sendView = null;
        recvView = null;
    }

    /** Positions {@code view} on floats {@code off .. off+len} of the region and returns it. */
    static ByteBuffer window(ByteBuffer view, int off, int len) {
        return window(view, off, len, Float.BYTES);
    }

    /** Positions {@code view} on values {@code off .. off+len} of {@code bytes} bytes each and returns it. */
    static ByteBuffer window(ByteBuffer view, int off, int len, int bytes) {
        view.clear();
        view.position(off * bytes).limit(off * bytes + len * bytes);
        return view;
    }
}
