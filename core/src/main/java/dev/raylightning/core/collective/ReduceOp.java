package dev.raylightning.core.collective;

/** Element-wise reductions a {@link ProcessGroup} supports. */
public enum ReduceOp {
    SUM, AVG, MAX, MIN;

    /** Combines two values. AVG sums here; the caller divides by the group size at the end. */
    public float combine(float a, float b) {
        return switch (this) {
            case SUM, AVG -> a + b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
        };
    }
}
