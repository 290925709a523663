package dev.raylightning.core.collective.shm;

import dev.raylightning.core.collective.ForwardingProcessGroup;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A rank's ring seen by its shared-memory group, with a hook that runs before the n-th vote (an
 * all-reduce of one float): the probe's vote is the first, the vote after creating segments the
 * second, the vote after mapping them the third.
 */
final class Spy {

    private final int nthVote;
    private final Runnable hook;
    private final List<TcpRingProcessGroup> ring;

    Spy(int nthVote, Runnable hook) {
        this(nthVote, hook, new ArrayList<>());
    }

    /** {@code ring} receives the wrapped ring, for a hook that closes it. */
    Spy(int nthVote, Runnable hook, List<TcpRingProcessGroup> ring) {
        this.nthVote = nthVote;
        this.hook = hook;
        this.ring = ring;
    }

    ProcessGroup on(TcpRingProcessGroup inner) {
        ring.add(inner);
        return new ForwardingProcessGroup(inner) {
            private int votes;

            @Override
            public void allReduce(FloatBuffer buffer, ReduceOp op) {
                if (buffer.remaining() == 1 && ++votes == nthVote) {
                    hook.run();
                }
                super.allReduce(buffer, op);
            }
        };
    }
}
