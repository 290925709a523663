package dev.raylightning.core;

import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.strategy.SingleDeviceStrategy;
import dev.raylightning.core.strategy.Strategy;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A trainer's settings, Lightning's {@code Trainer(...)} arguments, as a serializable value so
 * workers can build the same trainer. Created by {@link Trainer.Builder} (see
 * {@link TrainerConfigBuilder} for what each setting means); defaults follow Lightning.
 */
public final class TrainerConfig implements Serializable, Cloneable {

    private static final long serialVersionUID = 2L;

    /** How gradients are clipped, Lightning's {@code gradient_clip_algorithm}. */
    public enum ClipAlgorithm { NORM, VALUE }

    private final int maxEpochs;
    private final int minEpochs;
    private final long maxSteps;
    private final BatchLimit limitTrainBatches;
    private final BatchLimit limitValBatches;
    private final BatchLimit limitTestBatches;
    private final BatchLimit limitPredictBatches;
    private final BatchLimit valCheckInterval;
    private final int checkValEveryNEpoch;
    private final int numSanityValSteps;
    private final int accumulateGradBatches;
    private final double gradientClipVal;
    private final ClipAlgorithm gradientClipAlgorithm;
    private final Long seed;
    private final String defaultRootDir;
    private final List<Callback> callbacks;
    private final boolean enableProgressBar;
    private final boolean enableCheckpointing;
    private final boolean enableLogger;
    private final int logEveryNSteps;
    private final boolean useDistributedSampler;
    private Strategy strategy;

    TrainerConfig(TrainerConfigBuilder<?> b) {
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
        this.useDistributedSampler = b.useDistributedSampler;
        this.strategy = b.strategy == null ? new SingleDeviceStrategy() : b.strategy;
    }

    /** A copy with another strategy (a worker's per-rank view of the same settings). */
    public TrainerConfig withStrategy(Strategy s) {
        try {
            TrainerConfig copy = (TrainerConfig) clone();
            copy.strategy = s;
            return copy;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    public int maxEpochs() {
        return maxEpochs;
    }

    public int minEpochs() {
        return minEpochs;
    }

    public long maxSteps() {
        return maxSteps;
    }

    public BatchLimit limitTrainBatches() {
        return limitTrainBatches;
    }

    public BatchLimit limitValBatches() {
        return limitValBatches;
    }

    public BatchLimit limitTestBatches() {
        return limitTestBatches;
    }

    public BatchLimit limitPredictBatches() {
        return limitPredictBatches;
    }

    public BatchLimit valCheckInterval() {
        return valCheckInterval;
    }

    public int checkValEveryNEpoch() {
        return checkValEveryNEpoch;
    }

    public int numSanityValSteps() {
        return numSanityValSteps;
    }

    public int accumulateGradBatches() {
        return accumulateGradBatches;
    }

    public double gradientClipVal() {
        return gradientClipVal;
    }

    public ClipAlgorithm gradientClipAlgorithm() {
        return gradientClipAlgorithm;
    }

    public Optional<Long> seed() {
        return Optional.ofNullable(seed);
    }

    public String defaultRootDir() {
        return defaultRootDir;
    }

    public Path defaultRootPath() {
        return Path.of(defaultRootDir);
    }

    /** The callbacks as given (defaults such as the progress bar are added by the trainer). */
    public List<Callback> callbacks() {
        return callbacks;
    }

    public boolean enableProgressBar() {
        return enableProgressBar;
    }

    public boolean enableCheckpointing() {
        return enableCheckpointing;
    }

    public boolean enableLogger() {
        return enableLogger;
    }

    public int logEveryNSteps() {
        return logEveryNSteps;
    }

    /** Whether the trainer puts a distributed sampler on loaders when there are several ranks. */
    public boolean useDistributedSampler() {
        return useDistributedSampler;
    }

    public Strategy strategy() {
        return strategy;
    }
}
