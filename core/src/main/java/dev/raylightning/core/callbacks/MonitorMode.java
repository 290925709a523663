package dev.raylightning.core.callbacks;

/** Whether a monitored metric improves by going down or up. */
public enum MonitorMode {
    MIN, MAX;

    /** Whether {@code candidate} is strictly better than {@code reference}. */
    public boolean better(double candidate, double reference) {
        return this == MIN ? candidate < reference : candidate > reference;
    }

    /** The value every real score beats. */
    public double worst() {
        return this == MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }
}
