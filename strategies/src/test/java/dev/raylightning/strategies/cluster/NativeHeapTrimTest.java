package dev.raylightning.strategies.cluster;

import dev.raylightning.core.testing.ResidentMemory;

import com.sun.jna.Native;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;

class NativeHeapTrimTest {

    private static final int BLOCKS = 64 * 1024;
    private static final int BLOCK_BYTES = 1024;

    /** 64 MB of small blocks, freed except every 64th: the free memory stays resident until trimmed. */
    private static long[] fragmentedHeap() {
        long[] kept = new long[BLOCKS / 64];
        long[] all = new long[BLOCKS];
        for (int i = 0; i < BLOCKS; i++) {
            all[i] = Native.malloc(BLOCK_BYTES);
            // touch every page, as real use does
            for (int off = 0; off < BLOCK_BYTES; off += 512) {
                new com.sun.jna.Pointer(all[i]).setByte(off, (byte) 1);
            }
        }
        for (int i = 0; i < BLOCKS; i++) {
            if (i % 64 == 0) {
                kept[i / 64] = all[i];
            } else {
                Native.free(all[i]);
            }
        }
        return kept;
    }

    @Test
    void returnsTheFreeMemoryOfAFragmentedHeapToTheSystem() throws IOException {
        long[] kept = fragmentedHeap();
        try {
            long before = ResidentMemory.rssKb();
            NativeHeapTrim.afterLaunch();
            long after = ResidentMemory.rssKb();
            assertTrue(before - after > 32 * 1024, "RSS " + before + " KB before the trim, " + after + " KB after");
        } finally {
            for (long p : kept) {
                Native.free(p);
            }
        }
    }

    @Test
    void canBeTurnedOff() throws IOException {
        long[] kept = fragmentedHeap();
        String old = System.setProperty(NativeHeapTrim.PROPERTY, "false");
        try {
            long before = ResidentMemory.rssKb();
            NativeHeapTrim.afterLaunch();
            long after = ResidentMemory.rssKb();
            assertTrue(before - after < 8 * 1024, "RSS " + before + " KB before, " + after + " KB after");
        } finally {
            if (old == null) {
                System.clearProperty(NativeHeapTrim.PROPERTY);
            } else {
                System.setProperty(NativeHeapTrim.PROPERTY, old);
            }
            for (long p : kept) {
                Native.free(p);
            }
            NativeHeapTrim.afterLaunch();
        }
    }
}
