package dev.raylightning.bench;

/**
 * One party's stopwatch in a {@link Baton} ring: after each step it is told how many steps are
 * done; at every chunk boundary it adds the turn's time (steps after warm-up only) and passes
 * the baton. Time spent waiting for the baton is never counted, so each party's total covers
 * exactly its own timed steps, whole iterations including batch fetching.
 */
final class TurnClock {

    private final Baton baton;
    private final int me;
    private final RunSpec spec;
    private final int chunk;
    private final PhaseTimer phases;
    private long turnStart;
    private long timedNanos;

    /**
     * @param chunk steps per turn; {@code spec.warmup()} and {@code spec.steps()} must be multiples of it
     */
    TurnClock(Baton baton, int me, RunSpec spec, int chunk, PhaseTimer phases) {
        if (chunk < 1 || spec.warmup() % chunk != 0 || spec.steps() % chunk != 0) {
            throw new IllegalArgumentException("warm-up (" + spec.warmup() + ") and steps (" + spec.steps()
                    + ") must be multiples of the chunk (" + chunk + ")");
        }
        this.baton = baton;
        this.me = me;
        this.spec = spec;
        this.chunk = chunk;
        this.phases = phases;
    }

    PhaseTimer phases() {
        return phases;
    }

    /** Called once set up, before the first step: waits for the first turn. */
    void begin() {
        baton.awaitStart(me);
        turnStart = System.nanoTime();
        phases.reset();
    }

    /** Called after every step with the number of steps done so far. */
    void afterStep(long done) {
        if (done % chunk != 0) {
            return;
        }
        if (done > spec.warmup()) {
            timedNanos += System.nanoTime() - turnStart; // warm-up is a whole number of chunks
        } else if (done == spec.warmup()) {
            phases.reset();
        }
        if (done >= spec.totalSteps()) {
            baton.finish(me);
            return;
        }
        baton.pass(me);
        turnStart = System.nanoTime();
        phases.resume();
    }

    /** Microseconds per timed step in each phase, or null when the phase timer is off. */
    java.util.Map<Phase, Double> phaseMicrosPerStep() {
        return phases.enabled() ? phases.microsPerStep(spec.steps()) : null;
    }

    /** Seconds spent in the timed steps. */
    double seconds() {
        if (timedNanos == 0) {
            throw new IllegalStateException("the run ended before any timed step");
        }
        return timedNanos / 1e9;
    }
}
