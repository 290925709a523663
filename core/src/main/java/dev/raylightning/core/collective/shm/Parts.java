package dev.raylightning.core.collective.shm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Buffers laid end to end and addressed as one run of bytes, so that a bucket of gradients can be
 * reduced straight from and into the tensors' own views, without a staging copy of the bucket.
 * Offsets are logical (from the start of the first buffer); every operation uses absolute
 * indexing and leaves the callers' positions and limits alone.
 */
final class Parts {

    /** What {@link #forEach} hands over: {@code length} bytes at {@code offset} of {@code part}, logically at {@code at}. */
    @FunctionalInterface
    interface Piece {
        void accept(ByteBuffer part, int offset, int at, int length);
    }

    private final ByteBuffer[] parts;
    /** starts[i]: logical offset of parts[i]; the last entry is the total. */
    private final int[] starts;

    private Parts(ByteBuffer[] parts, int[] starts) {
        this.parts = parts;
        this.starts = starts;
    }

    /** The bytes between each buffer's position and limit, in order (native byte order views). */
    static Parts of(ByteBuffer... buffers) {
        ByteBuffer[] views = new ByteBuffer[buffers.length];
        int[] starts = new int[buffers.length + 1];
        long total = 0;
        for (int i = 0; i < buffers.length; i++) {
            views[i] = buffers[i].slice().order(ByteOrder.nativeOrder());
            starts[i] = (int) total;
            total += views[i].remaining();
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("parts of more than 2 GiB in all");
            }
        }
        starts[buffers.length] = (int) total;
        return new Parts(views, starts);
    }

    int bytes() {
        return starts[parts.length];
    }

    /** The only buffer when there is one, else null. */
    ByteBuffer single() {
        return parts.length == 1 ? parts[0] : null;
    }

    /** The bytes {@code [from, from + length)} as parts of their own, sharing these buffers' memory. */
    Parts slice(int from, int length) {
        check(from, length);
        ByteBuffer[] views = new ByteBuffer[parts.length];
        int[] at = new int[parts.length + 1];
        int[] n = {0};
        forEach(from, length, (part, offset, logical, len) -> {
            views[n[0]] = part.slice(offset, len).order(ByteOrder.nativeOrder());
            at[n[0]] = logical - from;
            n[0]++;
        });
        int[] starts = Arrays.copyOf(at, n[0] + 1);
        starts[n[0]] = length;
        return new Parts(Arrays.copyOf(views, n[0]), starts);
    }

    /** Copies the bytes {@code [from, from + length)} into {@code dst} at {@code dstOffset}. */
    void copyTo(int from, ByteBuffer dst, int dstOffset, int length) {
        forEach(from, length, (part, offset, at, len) -> dst.put(dstOffset + at - from, part, offset, len));
    }

    /** Overwrites the bytes {@code [from, from + length)} with those of {@code src} at {@code srcOffset}. */
    void copyFrom(ByteBuffer src, int srcOffset, int from, int length) {
        forEach(from, length, (part, offset, at, len) -> part.put(offset, src, srcOffset + at - from, len));
    }

    /** Calls {@code piece} for the stretch of every buffer that {@code [from, from + length)} covers, in order. */
    void forEach(int from, int length, Piece piece) {
        check(from, length);
        int end = from + length;
        int i = Arrays.binarySearch(starts, from);
        // the first buffer that ends after from (an exact hit may be an empty buffer or the end)
        i = i >= 0 ? i : -i - 2;
        for (int pos = from; pos < end && i < parts.length; i++) {
            int partEnd = starts[i + 1];
            if (partEnd <= pos) {
                continue;
            }
            int len = Math.min(partEnd, end) - pos;
            piece.accept(parts[i], pos - starts[i], pos, len);
            pos += len;
        }
    }

    private void check(int from, int length) {
        if (from < 0 || length < 0 || from + length > bytes()) {
            throw new IndexOutOfBoundsException("bytes [" + from + ", " + (from + length) + ") of " + bytes());
        }
    }
}
