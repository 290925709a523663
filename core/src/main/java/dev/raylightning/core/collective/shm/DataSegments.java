package dev.raylightning.core.collective.shm;

import java.util.ArrayList;
import java.util.List;

/**
 * The data segments of a shared-memory group: a set per parity, one segment per rank, grown (by
 * a new generation of files) when a call needs more room, and handed out parity by parity.
 */
final class DataSegments {

    private final SegmentSetup setup;
    private final int pieceBytes;
    /** [parity][rank]: the mapped segments of the current generation. */
    private MappedSegment[][] segments;
    private long capacity;
    private int generation;
    private long calls;
    private String problem;

    DataSegments(SegmentSetup setup, int pieceBytes) {
        this.setup = setup;
        this.pieceBytes = pieceBytes;
    }

    /**
     * The segments of the next parity, every one at least {@code bytes}; null when they could not
     * be made ({@link #problem()} says why; all ranks find it together). Every rank calls with the
     * same sizes, so all ranks grow together.
     */
    MappedSegment[] next(long bytes) {
        if (segments == null || capacity < bytes) {
            release();
            // doubling saves rebuilds while sizes grow; all-reduces never ask beyond their piece
            long size = Math.max(bytes, Math.min(capacity * 2, Math.max(bytes, pieceBytes)));
            SegmentSetup.Outcome made = setup.build(++generation, size, SegmentSetup.DATA_PARITIES);
            if (made.segments() == null) {
                problem = made.problem();
                return null;
            }
            segments = made.segments();
            capacity = size;
        }
        return segments[(int) (calls++ % SegmentSetup.DATA_PARITIES)];
    }

    /** Why the last {@link #next} found no segments. */
    String problem() {
        return problem;
    }

    /** Bytes of each mapped segment now (0 before the first call). */
    long capacity() {
        return segments == null ? 0 : capacity;
    }

    /** Unmaps every segment; the first failure is thrown after all were tried. */
    void release() {
        if (segments == null) {
            return;
        }
        List<RuntimeException> errors = new ArrayList<>();
        for (MappedSegment[] bySlot : segments) {
            for (MappedSegment s : bySlot) {
                try {
                    if (s != null) {
                        s.close();
                    }
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }
        segments = null;
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
    }
}
