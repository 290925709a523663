package dev.raylightning.core.collective.shm;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PartsTest {

    /** Buffers of the given sizes holding 0, 1, 2, ... across them, each between position 1 and its limit. */
    private static ByteBuffer[] counting(int... sizes) {
        ByteBuffer[] out = new ByteBuffer[sizes.length];
        int v = 0;
        for (int k = 0; k < sizes.length; k++) {
            out[k] = ByteBuffer.allocate(sizes[k] + 1);
            for (int i = 0; i < sizes[k]; i++) {
                out[k].put(i + 1, (byte) v++);
            }
            out[k].position(1);
        }
        return out;
    }

    @Test
    void forEachVisitsTheStretchOfEveryBufferARangeCoversInOrder() {
        Parts parts = Parts.of(counting(3, 0, 4, 2));
        assertEquals(9, parts.bytes());
        List<String> seen = new ArrayList<>();
        parts.forEach(2, 6, (part, offset, at, length) -> seen.add(offset + "@" + at + "+" + length));
        assertEquals(List.of("2@2+1", "0@3+4", "0@7+1"), seen);
        seen.clear();
        parts.forEach(3, 0, (part, offset, at, length) -> seen.add("called"));
        assertEquals(List.of(), seen);
        assertThrows(IndexOutOfBoundsException.class, () -> parts.forEach(5, 5, (p, o, a, l) -> {}));
    }

    @Test
    void copiesInAndOutOfARangeAndSlicesShareTheBuffersMemory() {
        ByteBuffer[] buffers = counting(3, 0, 4, 2);
        Parts parts = Parts.of(buffers);
        ByteBuffer out = ByteBuffer.allocate(12);
        parts.copyTo(1, out, 5, 7);
        for (int i = 0; i < 7; i++) {
            assertEquals(i + 1, out.get(5 + i));
        }
        ByteBuffer src = ByteBuffer.allocate(4);
        src.put(0, new byte[] {-1, -2, -3, -4});
        Parts middle = parts.slice(2, 5);
        assertEquals(5, middle.bytes());
        middle.copyFrom(src, 0, 1, 4); // logical bytes 3 to 6 of the whole
        byte[] all = new byte[9];
        parts.copyTo(0, ByteBuffer.wrap(all), 0, 9);
        assertArrayEquals(new byte[] {0, 1, 2, -1, -2, -3, -4, 7, 8}, all);
        assertEquals(1, buffers[0].position(), "callers' positions stay");
        assertNull(parts.single());
        assertSame(null, middle.single());
        assertNotNull(parts.slice(4, 2).single(), "a range inside one buffer is a single part");
    }
}
