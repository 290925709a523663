package dev.raylightning.core.collective.shm;

import dev.raylightning.core.collective.ProcessGroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Makes one generation of a group's segments with all ranks together, or finds out together that
 * it cannot: each rank checks the room in shared memory and creates its two segments, the ranks
 * vote, each maps its peers' segments, they vote again, and each unlinks its own files. After
 * that no file is left. On any failure on the way (a refusal, or the wrapped group failing because
 * a peer died) every rank closes its mappings and removes its files, and those of peers that
 * cannot do it themselves.
 */
final class SegmentSetup {

    /** Room kept free beside the segments: a full tmpfs kills the writer with SIGBUS. */
    static final long MARGIN_BYTES = 16L << 20;

    /** Parities of data segments: a rank writes one while its peers may still read the other. */
    static final int DATA_PARITIES = 2;

    /** The mapped segments, [parity][rank], or why there are none. */
    record Outcome(MappedSegment[][] segments, String problem) {}

    private final ProcessGroup inner;
    private final SegmentFiles files;
    private final HostProbe.Host host;
    private final LongSupplier usableBytes;

    /** The usable bytes of the file system holding {@code dir}; 0 where it cannot be read. */
    static long usableBytes(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException | SecurityException e) {
            return 0;
        }
    }

    SegmentSetup(ProcessGroup inner, SegmentFiles files, HostProbe.Host host, LongSupplier usableBytes) {
        this.inner = inner;
        this.files = files;
        this.host = host;
        this.usableBytes = usableBytes;
    }

    /**
     * Every rank calls with the same arguments; all get {@code parities} segments each, or all get
     * the same refusal.
     */
    Outcome build(int generation, long size, int parities) {
        int rank = inner.rank();
        MappedSegment[][] next = new MappedSegment[parities][inner.size()];
        boolean mapped = false;
        boolean agreed = false;
        try {
            String problem = createMine(next, generation, size);
            if (!HostProbe.allAgree(inner, problem == null)) {
                return new Outcome(null, problem != null ? problem : "another rank could not create its segments");
            }
            problem = openPeers(next, generation, size);
            agreed = HostProbe.allAgree(inner, problem == null); // then every rank has mapped every segment
            if (!agreed) {
                return new Outcome(null, problem != null ? problem : "another rank could not map the segments");
            }
            mapped = true;
            return new Outcome(next, null);
        } finally {
            for (int p = 0; p < parities; p++) {
                if (next[p][rank] != null) {
                    SegmentFiles.deleteQuietly(path(generation, rank, p));
                }
            }
            if (!mapped) {
                close(next);
            }
            if (!agreed) {
                removePeerFiles(generation, parities); // a peer that died before it could unlink leaves them otherwise
            }
        }
    }

    /** Creates this rank's segments, one per parity; the problem in words, or null. */
    private String createMine(MappedSegment[][] next, int generation, long size) {
        long need = (long) next.length * inner.size() * size;
        long margin = need / 8 + MARGIN_BYTES;
        long usable = usableBytes.getAsLong();
        if (usable < need + margin) {
            return "not enough room in " + files.dir() + ": " + usable + " bytes usable, but " + inner.size()
                    + " ranks need " + need + " bytes of segments for " + size + "-byte all-reduces and a margin of "
                    + margin;
        }
        try {
            for (int p = 0; p < next.length; p++) {
                next[p][inner.rank()] = MappedSegment.create(path(generation, inner.rank(), p), size);
            }
            return null;
        } catch (UncheckedIOException | IllegalStateException e) {
            return "could not create a segment: " + (e.getCause() != null ? e.getCause() : e);
        }
    }

    private String openPeers(MappedSegment[][] next, int generation, long size) {
        try {
            for (int p = 0; p < next.length; p++) {
                for (int r = 0; r < inner.size(); r++) {
                    if (r != inner.rank()) {
                        next[p][r] = MappedSegment.open(path(generation, r, p), size, host.owner());
                    }
                }
            }
            return null;
        } catch (UncheckedIOException | IllegalStateException e) {
            return "could not map a peer's segment: " + (e.getCause() != null ? e.getCause() : e);
        }
    }

    /** Peers' regular files of this generation; anything else at their names stays as it is. */
    private void removePeerFiles(int generation, int parities) {
        for (int p = 0; p < parities; p++) {
            for (int r = 0; r < inner.size(); r++) {
                Path f = path(generation, r, p);
                if (r != inner.rank() && HostProbe.isFileOf(f, host.owner())) {
                    SegmentFiles.deleteQuietly(f);
                }
            }
        }
    }

    private Path path(int generation, int rank, int parity) {
        return files.segment(host.pids()[rank], generation, rank, parity);
    }

    private static void close(MappedSegment[][] set) {
        for (MappedSegment[] bySlot : set) {
            for (MappedSegment s : bySlot) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
