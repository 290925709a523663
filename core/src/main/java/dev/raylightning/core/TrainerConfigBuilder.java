package dev.raylightning.core;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkAtLeast;
import static dev.raylightning.core.util.Checks.checkNotNull;

import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.loggers.CsvLogger;
import dev.raylightning.core.loggers.Logger;
import dev.raylightning.core.strategy.Strategy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of a trainer, Lightning's {@code Trainer(...)} arguments, with Lightning's
 * defaults. Every setter checks its argument and names it on error. {@link Trainer.Builder} is
 * the one users meet: {@code Trainer.builder().maxEpochs(4).build()}.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class TrainerConfigBuilder<B extends TrainerConfigBuilder<B>> {

    int maxEpochs = -2;
    int minEpochs = 0;
    long maxSteps = -1;
    BatchLimit limitTrainBatches = BatchLimit.ALL;
    BatchLimit limitValBatches = BatchLimit.ALL;
    BatchLimit limitTestBatches = BatchLimit.ALL;
    BatchLimit limitPredictBatches = BatchLimit.ALL;
    BatchLimit valCheckInterval = BatchLimit.ALL;
    int checkValEveryNEpoch = 1;
    int numSanityValSteps = 2;
    int accumulateGradBatches = 1;
    double gradientClipVal = 0;
    TrainerConfig.ClipAlgorithm gradientClipAlgorithm = TrainerConfig.ClipAlgorithm.NORM;
    Long seed;
    String defaultRootDir = Path.of("").toAbsolutePath().toString();
    List<Callback> callbacks = new ArrayList<>();
    List<Logger> loggers;
    boolean enableLogger = true;
    boolean enableProgressBar = true;
    boolean enableCheckpointing = true;
    int logEveryNSteps = 50;
    boolean useDistributedSampler = true;
    Strategy strategy;

    TrainerConfigBuilder() {}

    /** This builder, typed as the concrete builder. */
    protected abstract B self();

    /** Stop after this many epochs; -1 for no limit (then maxSteps must be set). Default 1000. */
    public B maxEpochs(int n) {
        maxEpochs = checkAtLeast(n, -1, "maxEpochs");
        return self();
    }

    public B minEpochs(int n) {
        minEpochs = checkAtLeast(n, 0, "minEpochs");
        return self();
    }

    /** Stop after this many optimizer steps; -1 for no limit. */
    public B maxSteps(long n) {
        maxSteps = checkAtLeast(n, -1L, "maxSteps");
        return self();
    }

    public B limitTrainBatches(BatchLimit l) {
        limitTrainBatches = checkNotNull(l, "limitTrainBatches");
        return self();
    }

    public B limitTrainBatches(int n) {
        return limitTrainBatches(batches("limitTrainBatches", n));
    }

    public B limitTrainBatches(double f) {
        return limitTrainBatches(fraction("limitTrainBatches", f));
    }

    public B limitValBatches(BatchLimit l) {
        limitValBatches = checkNotNull(l, "limitValBatches");
        return self();
    }

    public B limitValBatches(int n) {
        return limitValBatches(batches("limitValBatches", n));
    }

    public B limitValBatches(double f) {
        return limitValBatches(fraction("limitValBatches", f));
    }

    public B limitTestBatches(BatchLimit l) {
        limitTestBatches = checkNotNull(l, "limitTestBatches");
        return self();
    }

    public B limitTestBatches(int n) {
        return limitTestBatches(batches("limitTestBatches", n));
    }

    public B limitTestBatches(double f) {
        return limitTestBatches(fraction("limitTestBatches", f));
    }

    public B limitPredictBatches(BatchLimit l) {
        limitPredictBatches = checkNotNull(l, "limitPredictBatches");
        return self();
    }

    public B limitPredictBatches(int n) {
        return limitPredictBatches(batches("limitPredictBatches", n));
    }

    public B limitPredictBatches(double f) {
        return limitPredictBatches(fraction("limitPredictBatches", f));
    }

    /** Validate every {@code n} training batches (and at each epoch's end). */
    public B valCheckInterval(int n) {
        checkArgument(n >= 1, "valCheckInterval must be >= 1 batch, got %s", n);
        valCheckInterval = BatchLimit.batches(n);
        return self();
    }

    /** Validate after this fraction of each epoch's batches, e.g. 0.25 for four times an epoch. */
    public B valCheckInterval(double f) {
        checkArgument(f > 0 && f <= 1, "valCheckInterval must be in (0, 1], got %s", f);
        valCheckInterval = BatchLimit.fraction(f);
        return self();
    }

    public B checkValEveryNEpoch(int n) {
        checkValEveryNEpoch = checkAtLeast(n, 1, "checkValEveryNEpoch");
        return self();
    }

    /** Validation batches run before training to catch bugs early; 0 disables. Default 2. */
    public B numSanityValSteps(int n) {
        numSanityValSteps = checkAtLeast(n, 0, "numSanityValSteps");
        return self();
    }

    public B accumulateGradBatches(int n) {
        accumulateGradBatches = checkAtLeast(n, 1, "accumulateGradBatches");
        return self();
    }

    /** Clip gradients to this norm or value (see {@link #gradientClipAlgorithm}); 0 disables. */
    public B gradientClipVal(double v) {
        checkArgument(v >= 0 && !Double.isInfinite(v), "gradientClipVal must be a finite number >= 0, got %s", v);
        gradientClipVal = v;
        return self();
    }

    public B gradientClipAlgorithm(TrainerConfig.ClipAlgorithm a) {
        gradientClipAlgorithm = checkNotNull(a, "gradientClipAlgorithm");
        return self();
    }

    /** Seeds weights, shuffling and torch randomness, Lightning's {@code seed_everything}. */
    public B seed(long s) {
        seed = s;
        return self();
    }

    /** Where logs and checkpoints go by default (the working directory if unset). */
    public B defaultRootDir(Path dir) {
        defaultRootDir = checkNotNull(dir, "defaultRootDir").toAbsolutePath().toString();
        return self();
    }

    public B callbacks(List<? extends Callback> cbs) {
        checkNotNull(cbs, "callbacks");
        cbs.forEach(c -> checkNotNull(c, "callbacks element"));
        callbacks = new ArrayList<>(cbs);
        return self();
    }

    public B callbacks(Callback... cbs) {
        return callbacks(List.of(cbs));
    }

    /** Explicit loggers; by default a {@link CsvLogger} under the root dir. */
    public B loggers(List<? extends Logger> ls) {
        loggers = new ArrayList<>(checkNotNull(ls, "loggers"));
        enableLogger = true;
        return self();
    }

    public B loggers(Logger... ls) {
        return loggers(List.of(ls));
    }

    /** {@code false} disables logging (Lightning's {@code logger=False}). */
    public B logger(boolean enabled) {
        enableLogger = enabled;
        return self();
    }

    public B enableProgressBar(boolean enabled) {
        enableProgressBar = enabled;
        return self();
    }

    /** Adds a default {@link ModelCheckpoint} unless one is given; false forbids checkpoint callbacks. */
    public B enableCheckpointing(boolean enabled) {
        enableCheckpointing = enabled;
        return self();
    }

    public B logEveryNSteps(int n) {
        logEveryNSteps = checkAtLeast(n, 1, "logEveryNSteps");
        return self();
    }

    /**
     * Lightning's {@code use_distributed_sampler}: with several ranks the trainer gives every
     * loader a distributed sampler (true by default); false leaves loaders as the data module
     * made them, for data already split per rank (the data module's {@code trainer()} knows the rank).
     */
    public B useDistributedSampler(boolean use) {
        useDistributedSampler = use;
        return self();
    }

    public B strategy(Strategy s) {
        strategy = checkNotNull(s, "strategy");
        return self();
    }

    /** The settings as a value; checks the rules that involve several arguments. */
    TrainerConfig buildConfig() {
        if (maxEpochs == -2) {
            maxEpochs = maxSteps >= 0 ? -1 : 1000;
        }
        checkArgument(maxEpochs != -1 || maxSteps != -1,
                "maxEpochs is -1 (unlimited): set maxSteps, or the run never ends");
        checkArgument(maxEpochs < 0 || minEpochs <= maxEpochs, "minEpochs (%s) must not exceed maxEpochs (%s)",
                minEpochs, maxEpochs);
        checkArgument(enableCheckpointing || callbacks.stream().noneMatch(c -> c instanceof ModelCheckpoint),
                "enableCheckpointing is false but a ModelCheckpoint callback was given");
        return new TrainerConfig(this);
    }

    /** The loggers the settings ask for: none, the given ones, or a CSV logger under the root dir. */
    List<Logger> resolveLoggers() {
        if (!enableLogger) {
            return List.of();
        }
        return loggers != null ? List.copyOf(loggers) : List.of(CsvLogger.builder(Path.of(defaultRootDir)).build());
    }

    private static BatchLimit batches(String arg, int n) {
        checkArgument(n >= 0, "%s must be >= 0 batches, got %s", arg, n);
        return BatchLimit.batches(n);
    }

    private static BatchLimit fraction(String arg, double f) {
        checkArgument(f >= 0 && f <= 1, "%s must be a fraction in [0, 1], got %s", arg, f);
        return BatchLimit.fraction(f);
    }
}
