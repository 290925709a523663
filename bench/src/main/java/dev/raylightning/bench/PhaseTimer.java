package dev.raylightning.bench;

import java.util.EnumMap;
import java.util.Map;

/**
 * Splits timed steps into {@link Phase}s: each {@link #mark} charges the time since the
 * previous mark to a phase. Disabled timers do nothing, so normal runs read no extra clocks.
 */
public final class PhaseTimer {

    private final boolean enabled;
    private final long[] nanos = new long[Phase.values().length];
    private long last;

    public PhaseTimer(boolean enabled) {
        this.enabled = enabled;
    }

    /** Forgets what was charged so far and starts counting from now (at the first timed step). */
    public void reset() {
        if (enabled) {
            java.util.Arrays.fill(nanos, 0);
            last = System.nanoTime();
        }
    }

    /** Counts from now again, dropping the time since the last mark (a wait for the baton). */
    public void resume() {
        if (enabled) {
            last = System.nanoTime();
        }
    }

    /** Charges the time since the last mark to {@code phase}. */
    public void mark(Phase phase) {
        if (enabled) {
            long now = System.nanoTime();
            nanos[phase.ordinal()] += now - last;
            last = now;
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** Microseconds per step in each phase, over {@code steps} steps. */
    public Map<Phase, Double> microsPerStep(int steps) {
        Map<Phase, Double> out = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            out.put(p, nanos[p.ordinal()] / 1e3 / steps);
        }
        return out;
    }
}
