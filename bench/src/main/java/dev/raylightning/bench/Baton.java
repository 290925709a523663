package dev.raylightning.bench;

/**
 * Lets several training loops, each on its own thread, take turns on the CPU: only the holder
 * of the baton runs, the others wait. Passing it round-robin every few steps interleaves the
 * variants at a fine grain (ABCABC... every chunk of steps), so the bursts of a noisy shared
 * machine land on all of them alike instead of on whichever run happened to be going.
 *
 * <p>The ring starts once every party is ready (set-up done), and nobody leaves before all are
 * finished, so no party's set-up or tear-down overlaps another's timed steps. With one party
 * the baton never blocks.
 */
final class Baton {

    private final int parties;
    private int ready;
    private int finished;
    private int turn;
    private Throwable failure;

    Baton(int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be >= 1, got " + parties);
        }
        this.parties = parties;
    }

    int parties() {
        return parties;
    }

    /** Announces that {@code me} is set up, then waits until every party is and it is {@code me}'s turn. */
    synchronized void awaitStart(int me) {
        ready++;
        notifyAll();
        waitUntil(() -> ready == parties && turn == me);
    }

    /** Hands the baton to the next party and waits until it comes back. */
    synchronized void pass(int me) {
        turn = (me + 1) % parties;
        notifyAll();
        waitUntil(() -> turn == me);
    }

    /**
     * {@code me} has run its last step: hands the baton on and waits until every party has.
     * All parties run the same number of turns, so the ring never hands the baton to a finished party.
     */
    synchronized void finish(int me) {
        finished++;
        turn = (me + 1) % parties;
        notifyAll();
        waitUntil(() -> finished == parties);
    }

    /** A party failed: wakes everyone, whose waits then fail too instead of hanging. */
    synchronized void abort(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        notifyAll();
    }

    private void waitUntil(java.util.function.BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            if (failure != null) {
                throw new IllegalStateException("another benchmark party failed", failure);
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the baton", e);
            }
        }
    }
}
