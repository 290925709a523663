package dev.raylightning.core.callbacks;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.TrainerFn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Lightning's {@code EarlyStopping}: stops fitting when a monitored metric stops improving, goes
 * non-finite, or crosses a threshold. It checks after each validation run, or at the end of each
 * training epoch when no validation ran in it. In a distributed run each rank checks its own
 * metrics and the decision is reduced: when any rank decides to stop, every rank stops, and each
 * records the reason of the lowest such rank.
 */
public final class EarlyStopping implements Callback {

    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EarlyStopping.class);

    private final String monitor;
    private final MonitorMode mode;
    private final int patience;
    private final double minDelta;
    private final boolean strict;
    private final boolean checkFinite;
    private final Double stoppingThreshold;
    private final Double divergenceThreshold;

    private double bestScore;
    private int wait;
    private int stoppedEpoch = -1;
    private String stopReason;
    private transient boolean validatedThisEpoch;

    private EarlyStopping(Builder b) {
        this.monitor = b.monitor;
        this.mode = b.mode;
        this.patience = b.patience;
        this.minDelta = b.minDelta;
        this.strict = b.strict;
        this.checkFinite = b.checkFinite;
        this.stoppingThreshold = b.stoppingThreshold;
        this.divergenceThreshold = b.divergenceThreshold;
        this.bestScore = mode.worst();
    }

    /** Starts a builder for the metric named {@code monitor}. */
    public static Builder builder(String monitor) {
        return new Builder(monitor);
    }

    @Override
    public String stateKey() {
        return "EarlyStopping{monitor=" + monitor + ", mode=" + mode + "}";
    }

    @Override
    public void setup(TrainerView trainer, LightningModule module, TrainerFn fn) {
        validatedThisEpoch = false;
    }

    @Override
    public void onTrainEpochStart(TrainerView trainer, LightningModule module) {
        validatedThisEpoch = false;
    }

    @Override
    public void onValidationEnd(TrainerView trainer, LightningModule module) {
        if (trainer.sanityChecking() || trainer.state().fn().orElse(null) != TrainerFn.FITTING) {
            return;
        }
        validatedThisEpoch = true;
        check(trainer);
    }

    @Override
    public void onTrainEpochEnd(TrainerView trainer, LightningModule module) {
        if (!validatedThisEpoch) {
            check(trainer);
        }
    }

    private void check(TrainerView trainer) {
        Double current = trainer.callbackMetrics().get(monitor);
        if (current == null && strict) {
            throw new IllegalStateException("EarlyStopping could not find the monitored metric '" + monitor
                    + "'; available: " + trainer.callbackMetrics().keySet()
                    + " (log it, or build the callback with strict(false))");
        }
        String reason = current == null ? null : judge(current);
        if (reason != null) {
            if (trainer.strategy().worldSize() > 1) {
                reason = "Rank " + trainer.strategy().globalRank() + ": " + reason;
            }
            if (Double.isFinite(current)) {
                LOG.info(reason);
            } else {
                LOG.warn(reason);
            }
        }
        // every rank takes part, also one without the metric, so the reduction cannot stall
        Optional<String> agreed = trainer.strategy().reduceDecision(Optional.ofNullable(reason));
        if (agreed.isPresent()) {
            stoppedEpoch = trainer.currentEpoch();
            stopReason = agreed.get();
            trainer.requestStop("EarlyStopping: " + stopReason);
        }
    }

    /** Updates the best score and patience with {@code current}; returns why to stop, or null. */
    private String judge(double current) {
        if (checkFinite && !Double.isFinite(current)) {
            return "Monitored metric " + monitor + " = " + current + " is not finite. Previous best value was "
                    + bestScore + ". Signaling Trainer to stop.";
        }
        if (stoppingThreshold != null && mode.better(current, stoppingThreshold)) {
            return "Stopping threshold reached: " + monitor + " = " + current + " is "
                    + (mode == MonitorMode.MIN ? "<" : ">") + " " + stoppingThreshold + ". Signaling Trainer to stop.";
        }
        if (divergenceThreshold != null && mode.better(divergenceThreshold, current)) {
            return "Divergence threshold reached: " + monitor + " = " + current + " is "
                    + (mode == MonitorMode.MIN ? ">" : "<") + " " + divergenceThreshold + ". Signaling Trainer to stop.";
        }
        if (mode.better(mode == MonitorMode.MIN ? current + minDelta : current - minDelta, bestScore)) {
            bestScore = current;
            wait = 0;
            return null;
        }
        wait++;
        return wait >= patience ? "Monitored metric " + monitor + " did not improve in the last " + wait
                + " records. Best score: " + bestScore + ". Signaling Trainer to stop." : null;
    }

    public String monitor() {
        return monitor;
    }

    public double bestScore() {
        return bestScore;
    }

    public int waitCount() {
        return wait;
    }

    /** The epoch in which it stopped the run, or -1. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** Why it stopped the run, if it did. */
    public Optional<String> stopReason() {
        return Optional.ofNullable(stopReason);
    }

    @Override
    public Map<String, Object> stateDict() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("wait", wait);
        s.put("stoppedEpoch", stoppedEpoch);
        s.put("bestScore", Double.isFinite(bestScore) ? bestScore : String.valueOf(bestScore));
        s.put("patience", patience);
        if (stopReason != null) {
            s.put("stopReason", stopReason);
        }
        return s;
    }

    @Override
    public void checkStateDict(Map<String, Object> state) {
        Restored.of(state, mode);
    }

    @Override
    public void loadStateDict(Map<String, Object> state) {
        Restored r = Restored.of(state, mode);
        wait = r.waitCount;
        stoppedEpoch = r.stoppedEpoch;
        bestScore = r.bestScore;
        stopReason = r.stopReason;
    }

    /** A saved state, every value checked, so loading it cannot fail halfway. */
    private record Restored(int waitCount, int stoppedEpoch, double bestScore, String stopReason) {
        static Restored of(Map<String, Object> state, MonitorMode mode) {
            SavedState s = new SavedState("EarlyStopping", state);
            return new Restored(s.integer("wait", 0, 0, Integer.MAX_VALUE),
                    s.integer("stoppedEpoch", -1, -1, Integer.MAX_VALUE), s.number("bestScore", mode.worst()),
                    s.string("stopReason", null));
        }
    }

    /** Settings of {@link EarlyStopping}; defaults follow Lightning. */
    public static final class Builder {
        private final String monitor;
        private MonitorMode mode = MonitorMode.MIN;
        private int patience = 3;
        private double minDelta = 0;
        private boolean strict = true;
        private boolean checkFinite = true;
        private Double stoppingThreshold;
        private Double divergenceThreshold;

        private Builder(String monitor) {
            checkArgument(monitor != null && !monitor.isBlank(),
                    "monitor must name a logged metric, got '" + monitor + "'");
            this.monitor = monitor;
        }

        public Builder mode(MonitorMode m) {
            checkArgument(m != null, "mode must not be null");
            mode = m;
            return this;
        }

        /** Checks without improvement before stopping; default 3. */
        public Builder patience(int p) {
            checkArgument(p >= 0, "patience must be >= 0, got " + p);
            patience = p;
            return this;
        }

        /** Smallest change that counts as an improvement; default 0. */
        public Builder minDelta(double d) {
            checkArgument(d >= 0, "minDelta must be >= 0, got " + d);
            minDelta = d;
            return this;
        }

        /** Fail when the metric is missing (default) instead of skipping the check. */
        public Builder strict(boolean s) {
            strict = s;
            return this;
        }

        /** Stop when the metric becomes NaN or infinite (default true). */
        public Builder checkFinite(boolean c) {
            checkFinite = c;
            return this;
        }

        /** Stop as soon as the metric is better than this. */
        public Builder stoppingThreshold(double t) {
            checkArgument(Double.isFinite(t), "stoppingThreshold must be finite, got " + t);
            stoppingThreshold = t;
            return this;
        }

        /** Stop as soon as the metric is worse than this. */
        public Builder divergenceThreshold(double t) {
            checkArgument(Double.isFinite(t), "divergenceThreshold must be finite, got " + t);
            divergenceThreshold = t;
            return this;
        }

        public EarlyStopping build() {
            return new EarlyStopping(this);
        }
    }
}
