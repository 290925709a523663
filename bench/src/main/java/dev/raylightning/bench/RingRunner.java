package dev.raylightning.bench;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one round: every variant trains a fresh model on the same spec. Either all at once on
 * their own threads, taking turns every {@code chunk} steps through a {@link Baton} (never two
 * at the same time), or one after the other. Meant for one torch thread: with more, every
 * calling thread gets its own OpenMP team, and idle teams spin on the cores the holder needs.
 */
final class RingRunner {

    private RingRunner() {}

    /** Measurements in the order of {@code variants}. */
    static List<Measurement> run(TrainData data, List<Variant> variants, RunSpec spec, int round,
            boolean interleaveSteps, int chunk, boolean profile) {
        if (!interleaveSteps) {
            List<Measurement> out = new ArrayList<>();
            int solo = BigInteger.valueOf(spec.warmup()).gcd(BigInteger.valueOf(spec.steps())).intValue();
            for (Variant v : variants) {
                out.add(runOne(data, v, spec, round, new TurnClock(new Baton(1), 0, spec, solo, new PhaseTimer(profile))));
            }
            return out;
        }
        Baton baton = new Baton(variants.size());
        Measurement[] results = new Measurement[variants.size()];
        Throwable[] failures = new Throwable[variants.size()];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            int me = i;
            TurnClock clock = new TurnClock(baton, me, spec, chunk, new PhaseTimer(profile));
            Thread t = new Thread(() -> {
                try {
                    results[me] = runOne(data, variants.get(me), spec, round, clock);
                } catch (RuntimeException | Error e) {
                    failures[me] = e;
                    baton.abort(e);
                }
            }, "bench-" + variants.get(i).mode());
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the benchmark threads", e);
            }
        }
        for (int i = 0; i < failures.length; i++) {
            if (failures[i] != null) {
                throw new IllegalStateException(variants.get(i).mode() + " failed", failures[i]);
            }
        }
        return List.of(results);
    }

    private static Measurement runOne(TrainData data, Variant v, RunSpec spec, int round, TurnClock clock) {
        return v == Variant.DJL_BASELINE
                ? DjlBaselineLoop.run(data, spec, round, clock)
                : LightningTrainerRun.run(data, spec, round, v, clock);
    }
}
