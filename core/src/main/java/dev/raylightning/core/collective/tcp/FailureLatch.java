package dev.raylightning.core.collective.tcp;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The group's one failure, shared by the caller and the sender thread. The first failure wins,
 * except that a timeout suspicion of a neighbour gives way to that neighbour's own notice.
 * Raising it wakes every registered waiter so nobody sleeps through it.
 */
final class FailureLatch {

    private final AtomicReference<Failure> current = new AtomicReference<>();
    private final CopyOnWriteArrayList<Runnable> wakers = new CopyOnWriteArrayList<>();

    Failure get() {
        return current.get();
    }

    void onRaise(Runnable waker) {
        wakers.add(waker);
    }

    /** Records {@code f} unless a failure is already known; returns whether it was recorded. */
    boolean raise(Failure f) {
        if (current.compareAndSet(null, f)) {
            wakeAll();
            return true;
        }
        return false;
    }

    /**
     * Takes a notice from neighbour {@code from}: recorded when nothing is known yet, or when it
     * refines a timeout that came through that very neighbour (we suspected it, and it says it
     * was only waiting on someone else; or it told us of a timeout and now knows better). A
     * neighbour we suspect cannot shift the blame onto us: we know we were waiting on it.
     */
    boolean offerNotice(Failure notice, int from, int self) {
        while (true) {
            Failure now = current.get();
            boolean replaces = now == null
                    || (now.suspect() && now.via(self) == from
                            && !(now.reporter() == self && notice.origin() == self));
            if (!replaces) {
                return false;
            }
            if (current.compareAndSet(now, notice)) {
                wakeAll();
                return true;
            }
        }
    }

    /** Replaces {@code expected} by {@code f} if it is still the current failure. */
    boolean replace(Failure expected, Failure f) {
        if (current.compareAndSet(expected, f)) {
            wakeAll();
            return true;
        }
        return false;
    }

    private void wakeAll() {
        for (Runnable w : wakers) {
            w.run();
        }
    }
}
