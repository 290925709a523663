package dev.raylightning.core.collective.shm;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;

/**
 * Finds out, with every rank of a group, whether all of them see each other's files in shared
 * memory (they run on one host, as one user), and learns each rank's process id, which its file
 * names carry. Each rank creates one probe file, the ranks exchange process ids, and each checks
 * that every peer's probe is there; then they vote, in the same vote, on whether every rank can
 * wait on futexes (it asks for them, and sees every peer's process in {@code /proc}). Stale files
 * of dead processes are removed on the way, and the probe files always.
 */
final class HostProbe {

    /**
     * Every rank's process id, by rank, the user who owns all their files, and whether every rank
     * asked for futex barriers (and can use them).
     */
    record Host(long[] pids, UserPrincipal owner, boolean futexes) {}

    private HostProbe() {}

    /**
     * The host the ranks share, or null when they do not all share one; every rank must call.
     * {@code futexes}: whether this rank asks for futex barriers; the host has them only if all do.
     */
    static Host run(ProcessGroup g, SegmentFiles files, boolean futexes) {
        long pid = ProcessHandle.current().pid();
        Path mine = files.probe(pid, g.rank());
        UserPrincipal owner = null;
        boolean created = false;
        try {
            try {
                SegmentFiles.create(mine).close();
                created = true;
                owner = SegmentFiles.ownerOf(mine);
                files.removeStale(owner);
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                owner = null; // no usable shared memory here: vote no
            }
            long[] pids = exchange(g, pid); // returns once every rank has made its probe
            boolean ok = owner != null;
            for (int r = 0; r < g.size() && ok; r++) {
                ok = isFileOf(files.probe(pids[r], r), owner);
            }
            // a waiting rank watches its peers' processes: that needs them in this pid namespace
            boolean watchable = futexes;
            for (int r = 0; r < g.size() && watchable; r++) {
                watchable = SegmentBarrier.alive(pids[r]);
            }
            // one vote for both: 0 no shared host, 1 a shared host, 2 a shared host with futexes
            float vote = minimum(g, ok ? (watchable ? 2 : 1) : 0);
            return vote >= 1 ? new Host(pids, owner, vote >= 2) : null;
        } finally {
            if (created) {
                SegmentFiles.deleteQuietly(mine);
            }
        }
    }

    /** Whether every rank says yes (a MIN all-reduce, which also waits for all of them). */
    static boolean allAgree(ProcessGroup g, boolean yes) {
        return minimum(g, yes ? 1 : 0) == 1;
    }

    /** The smallest of every rank's {@code vote}. */
    private static float minimum(ProcessGroup g, float vote) {
        FloatBuffer votes = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        votes.put(0, vote);
        g.allReduce(votes, ReduceOp.MIN);
        return votes.get(0);
    }

    /** Every rank's process id: three 16-bit parts per rank, each exact as a float. */
    private static long[] exchange(ProcessGroup g, long pid) {
        FloatBuffer in = FloatBuffer.allocate(3);
        for (int k = 0; k < 3; k++) {
            in.put(k, (pid >>> (16 * k)) & 0xFFFF);
        }
        FloatBuffer all = FloatBuffer.allocate(3 * g.size());
        g.allGather(in, all);
        long[] pids = new long[g.size()];
        for (int r = 0; r < g.size(); r++) {
            for (int k = 0; k < 3; k++) {
                pids[r] |= ((long) all.get(3 * r + k) & 0xFFFF) << (16 * k);
            }
        }
        return pids;
    }

    /** A regular file (not a link) of {@code owner}. */
    static boolean isFileOf(Path p, UserPrincipal owner) {
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && a.owner().equals(owner);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
