package dev.raylightning.core.util;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.Buffer;

/** Native addresses of direct buffers, for futex words and for telling tensor views from copies. */
public final class DirectBuffers {

    private DirectBuffers() {}

    /** The address of a direct buffer's first element. */
    public static long address(Buffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer");
        }
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }
}
