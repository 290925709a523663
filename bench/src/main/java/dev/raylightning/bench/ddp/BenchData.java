package dev.raylightning.bench.ddp;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.examples.FashionMnistDataModule;

import java.nio.file.Path;

/**
 * The example's Fashion-MNIST data module, set up for throughput runs like the Python peer's
 * loader: all 60,000 training images (no validation split, so no validation pass lands inside
 * the timed window), shuffled, ragged last batch dropped. Prefetch stays the example's default
 * unless set.
 */
public final class BenchData extends LightningDataModule {

    private static final long serialVersionUID = 1L;
    private static final long SEED = 42;

    private final FashionMnistDataModule inner;
    private final int batchSize;
    private final int prefetch;

    /**
     * @param batchSize per rank
     * @param prefetch batches collated ahead on a background thread (the loader's default is 2)
     */
    public BenchData(Path dataDir, int batchSize, int prefetch) {
        this.inner = new FashionMnistDataModule(dataDir, batchSize, 0, SEED, Integer.MAX_VALUE);
        this.batchSize = batchSize;
        this.prefetch = prefetch;
    }

    @Override
    public void prepareData() {
        inner.prepareData();
    }

    @Override
    public void setup(String stage) {
        inner.setup(stage);
    }

    @Override
    public DataLoader trainDataloader() {
        // The trainer swaps in a DistributedSampler on several ranks; the loader's settings stay.
        return DataLoader.builder(inner.trainDataloader().dataset()).batchSize(batchSize).shuffle(true).seed(SEED)
                .dropLast(true).prefetch(prefetch).build();
    }
}
