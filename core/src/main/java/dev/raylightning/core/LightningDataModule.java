package dev.raylightning.core;

import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.data.DataLoader;

import java.io.Serializable;
import java.util.Optional;

/**
 * Lightning's {@code LightningDataModule}: where data comes from and how it is split. It is a
 * serializable recipe: distributed strategies ship it to workers, which call
 * {@link #prepareData()} once per node and {@link #setup} in every process, so keep loaded
 * arrays in transient fields filled by {@code setup}.
 */
public abstract class LightningDataModule implements Serializable {

    private static final long serialVersionUID = 1L;

    private transient TrainerView trainer;

    /**
     * The trainer running this data module in this process, Lightning's {@code datamodule.trainer}:
     * set from before {@link #prepareData()} until after {@link #teardown}, so loaders can
     * depend on the rank ({@code trainer().get().strategy().globalRank()}); empty otherwise.
     */
    public final Optional<TrainerView> trainer() {
        return Optional.ofNullable(trainer);
    }

    /** Set by the trainer around a run; null detaches. */
    public final void attach(TrainerView view) {
        this.trainer = view;
    }

    /** Downloads or unpacks data; runs once per node, on local rank zero. */
    public void prepareData() {}

    /** Loads and splits data for a stage ("fit", "validate", "test" or "predict"). */
    public void setup(String stage) {}

    /** Releases what {@code setup} loaded. */
    public void teardown(String stage) {}

    public abstract DataLoader trainDataloader();

    public Optional<DataLoader> valDataloader() {
        return Optional.empty();
    }

    public Optional<DataLoader> testDataloader() {
        return Optional.empty();
    }

    public Optional<DataLoader> predictDataloader() {
        return Optional.empty();
    }

    /** A data module over ready-made loaders (what {@code fit(module, train, val)} uses). */
    public static LightningDataModule of(DataLoader train, DataLoader val) {
        return new FixedLoaders(train, val, null, null);
    }

    /** A data module over ready-made loaders, any of which may be null. */
    public static LightningDataModule of(DataLoader train, DataLoader val, DataLoader test, DataLoader predict) {
        return new FixedLoaders(train, val, test, predict);
    }

    private static final class FixedLoaders extends LightningDataModule {
        private static final long serialVersionUID = 1L;
        private final DataLoader train;
        private final DataLoader val;
        private final DataLoader test;
        private final DataLoader predict;

        FixedLoaders(DataLoader train, DataLoader val, DataLoader test, DataLoader predict) {
            this.train = train;
            this.val = val;
            this.test = test;
            this.predict = predict;
        }

        @Override
        public DataLoader trainDataloader() {
            if (train == null) {
                throw new IllegalArgumentException("no train dataloader was given");
            }
            return train;
        }

        @Override
        public Optional<DataLoader> valDataloader() {
            return Optional.ofNullable(val);
        }

        @Override
        public Optional<DataLoader> testDataloader() {
            return Optional.ofNullable(test);
        }

        @Override
        public Optional<DataLoader> predictDataloader() {
            return Optional.ofNullable(predict);
        }
    }
}
