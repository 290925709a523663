package dev.raylightning.core.metrics;

import java.io.Serializable;

/**
 * The options of Lightning's {@code self.log}: when to record (per step, per epoch), where to
 * show (progress bar, loggers), whether to reduce across ranks, and how epochs aggregate.
 * Unset {@code onStep}/{@code onEpoch} follow Lightning: per step in training, per epoch in
 * validation and test.
 */
public final class LogOptions implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How per-step values aggregate into the epoch value. */
    public enum Reduce { MEAN, SUM, MAX, MIN }

    private final Boolean onStep;
    private final Boolean onEpoch;
    private final boolean progBar;
    private final boolean logger;
    private final boolean syncDist;
    private final Reduce reduce;

    private LogOptions(Boolean onStep, Boolean onEpoch, boolean progBar, boolean logger, boolean syncDist, Reduce reduce) {
        this.onStep = onStep;
        this.onEpoch = onEpoch;
        this.progBar = progBar;
        this.logger = logger;
        this.syncDist = syncDist;
        this.reduce = reduce;
    }

    /** Lightning's defaults. */
    public static LogOptions defaults() {
        return new LogOptions(null, null, false, true, false, Reduce.MEAN);
    }

    /** Defaults plus shown on the progress bar. */
    public static LogOptions progressBar() {
        return defaults().progBar(true);
    }

    public LogOptions onStep(boolean v) {
        return new LogOptions(v, onEpoch, progBar, logger, syncDist, reduce);
    }

    public LogOptions onEpoch(boolean v) {
        return new LogOptions(onStep, v, progBar, logger, syncDist, reduce);
    }

    public LogOptions progBar(boolean v) {
        return new LogOptions(onStep, onEpoch, v, logger, syncDist, reduce);
    }

    public LogOptions logger(boolean v) {
        return new LogOptions(onStep, onEpoch, progBar, v, syncDist, reduce);
    }

    /** Reduce the value across ranks (average by default), Lightning's {@code sync_dist}. */
    public LogOptions syncDist(boolean v) {
        return new LogOptions(onStep, onEpoch, progBar, logger, v, reduce);
    }

    public LogOptions reduce(Reduce r) {
        return new LogOptions(onStep, onEpoch, progBar, logger, syncDist, r);
    }

    /** Effective per-step flag in a stage. */
    public boolean stepEnabled(boolean training) {
        return onStep != null ? onStep : training;
    }

    /** Effective per-epoch flag in a stage. */
    public boolean epochEnabled(boolean training) {
        return onEpoch != null ? onEpoch : !training;
    }

    public boolean progBar() {
        return progBar;
    }

    public boolean logger() {
        return logger;
    }

    public boolean syncDist() {
        return syncDist;
    }

    public Reduce reduce() {
        return reduce;
    }
}
