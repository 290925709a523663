package dev.raylightning.strategies.horovod;

/** How {@code HorovodRayStrategy} combines the ranks' gradients (Horovod's {@code op}). */
public enum Reduction {
    /** The mean over ranks ({@code hvd.Average}, the default). */
    AVERAGE,
    /** The sum over ranks ({@code hvd.Sum}). */
    SUM,
    /**
     * Adaptive summation ({@code hvd.Adasum}; Maleki et al., 2020): per gradient tensor, ranks are
     * combined in pairs, then pairs of pairs, as
     * {@code (1 - a.b / 2|a|^2) a + (1 - a.b / 2|b|^2) b}: parallel gradients are averaged,
     * orthogonal ones added. Needs a power-of-two number of workers.
     */
    ADASUM
}
