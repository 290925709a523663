package dev.raylightning.core;

import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.strategy.SingleDeviceStrategy;
import dev.raylightning.core.strategy.Strategy;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A trainer's settings, Lightning's {@code Trainer(...)} arguments, as a serializable value so
 * workers can build the same trainer. Created by {@link Trainer.Builder}; defaults follow
 * Lightning.
 */
public final class TrainerConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How gradients are clipped, Lightning's {@code gradient_clip_algorithm}. */
    public enum ClipAlgorithm { NORM, VALUE }

    final int maxEpochs;
    final int minEpochs;
    final long maxSteps;
    final BatchLimit limitTrainBatches;
    final BatchLimit limitValBatches;
    final BatchLimit limitTestBatches;
    final BatchLimit limitPredictBatches;
    final BatchLimit valCheckInterval;
    final int checkValEveryNEpoch;
    final int numSanityValSteps;
    final int accumulateGradBatches;
    final double gradientClipVal;
    final ClipAlgorithm gradientClipAlgorithm;
    final Long seed;
    final String defaultRootDir;
    final List<Callback> callbacks;
    final boolean enableProgressBar;
    final boolean enableCheckpointing;
    final boolean enableLogger;
    final int logEveryNSteps;
    final Strategy strategy;

    private TrainerConfig(Trainer.Builder b) {
        this.maxEpochs = b.maxEpochs;
        this.minEpochs = b.minEpochs;
        this.maxSteps = b.maxSteps;
        this.limitTrainBatches = b.limitTrainBatches;
        this.limitValBatches = b.limitValBatches;
        this.limitTestBatches = b.limitTestBatches;
        this.limitPredictBatches = b.limitPredictBatches;
        this.valCheckInterval = b.valCheckInterval;
        this.checkValEveryNEpoch = b.checkValEveryNEpoch;
        this.numSanityValSteps = b.numSanityValSteps;
        this.accumulateGradBatches = b.accumulateGradBatches;
        this.gradientClipVal = b.gradientClipVal;
        this.gradientClipAlgorithm = b.gradientClipAlgorithm;
        this.seed = b.seed;
        this.defaultRootDir = b.defaultRootDir;
        this.callbacks = List.copyOf(b.callbacks);
        this.enableProgressBar = b.enableProgressBar;
        this.enableCheckpointing = b.enableCheckpointing;
        this.enableLogger = b.enableLogger;
        this.logEveryNSteps = b.logEveryNSteps;
        this.strategy = b.strategy == null ? new SingleDeviceStrategy() : b.strategy;
    }

    static TrainerConfig of(Trainer.Builder b) {
        if (b.minEpochs > b.maxEpochs && b.maxEpochs >= 0) {
            throw new IllegalArgumentException("minEpochs (" + b.minEpochs + ") must not exceed maxEpochs (" + b.maxEpochs + ")");
        }
        Objects.requireNonNull(b.defaultRootDir, "defaultRootDir");
        return new TrainerConfig(b);
    }

    /** A copy with another strategy (a worker's per-rank view of the same settings). */
    public TrainerConfig withStrategy(Strategy s) {
        Trainer.Builder b = toBuilder();
        b.strategy(s);
        return new TrainerConfig(b);
    }

    /** A builder holding these settings. */
    public Trainer.Builder toBuilder() {
        Trainer.Builder b = Trainer.builder()
                .maxEpochs(maxEpochs).minEpochs(minEpochs).maxSteps(maxSteps)
                .limitTrainBatches(limitTrainBatches).limitValBatches(limitValBatches)
                .limitTestBatches(limitTestBatches).limitPredictBatches(limitPredictBatches)
                .valCheckInterval(valCheckInterval).checkValEveryNEpoch(checkValEveryNEpoch)
                .numSanityValSteps(numSanityValSteps).accumulateGradBatches(accumulateGradBatches)
                .gradientClipVal(gradientClipVal).gradientClipAlgorithm(gradientClipAlgorithm)
                .defaultRootDir(defaultRootDir).enableProgressBar(enableProgressBar)
                .enableCheckpointing(enableCheckpointing).logger(enableLogger).logEveryNSteps(logEveryNSteps)
                .strategy(strategy).callbacks(new ArrayList<>(callbacks));
        if (seed != null) {
            b.seed(seed);
        }
        return b;
    }

    public int maxEpochs() {
        return maxEpochs;
    }

    public long maxSteps() {
        return maxSteps;
    }

    public Strategy strategy() {
        return strategy;
    }

    public List<Callback> callbacks() {
        return callbacks;
    }

    public java.util.Optional<Long> seed() {
        return java.util.Optional.ofNullable(seed);
    }

    public String defaultRootDir() {
        return defaultRootDir;
    }
}
