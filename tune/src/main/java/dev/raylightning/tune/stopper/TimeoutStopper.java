package dev.raylightning.tune.stopper;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.tune.TrialResult;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Stops the whole experiment once a time budget has passed (Ray's {@code TimeoutStopper}). The
 * budget starts at the first call, so building the stopper early costs nothing. A copy restored
 * from the experiment state goes on with the budget that was left when it was saved, on
 * {@link System#nanoTime()}: an injected clock does not travel.
 */
final class TimeoutStopper implements Stopper {

    private static final long serialVersionUID = 1L;

    private final Duration budget;
    private transient LongSupplier nanoClock;
    private transient boolean started;
    private transient long startNanos;

    TimeoutStopper(Duration budget, LongSupplier nanoClock) {
        checkArgument(budget != null && !budget.isNegative() && !budget.isZero(),
                "time budget must be positive, got " + budget);
        checkArgument(nanoClock != null, "clock must not be null");
        this.budget = budget;
        this.nanoClock = nanoClock;
    }

    @Override
    public boolean stopTrial(String trialId, TrialResult result) {
        elapsedNanos(); // starts the budget
        return false;
    }

    @Override
    public boolean stopAll() {
        return elapsedNanos() >= budgetNanos();
    }

    /** Nanoseconds since the budget started, starting it on the first call. */
    private synchronized long elapsedNanos() {
        long now = nanoClock.getAsLong();
        if (!started) {
            started = true;
            startNanos = now;
        }
        return now - startNanos;
    }

    private long budgetNanos() {
        // Durations past ~292 years do not fit in nanoseconds; they never run out anyway.
        try {
            return budget.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private synchronized void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        // Save the time spent, not the start: nanoTime values mean nothing in another JVM.
        out.writeLong(started ? nanoClock.getAsLong() - startNanos : -1);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        long spent = in.readLong();
        nanoClock = System::nanoTime;
        if (spent >= 0) {
            started = true;
            startNanos = nanoClock.getAsLong() - spent;
        }
    }

    @Override
    public String toString() {
        return "TimeoutStopper(stop all trials " + budget + " after the first result)";
    }
}
