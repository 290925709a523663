package dev.raylightning.examples;

import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.HostTensor;
import dev.raylightning.core.data.IdxArray;
import dev.raylightning.core.data.IdxReader;
import dev.raylightning.core.data.ProcessCache;
import dev.raylightning.core.data.TensorDataset;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Fashion-MNIST (60k train, 10k test, 28x28 grey images, 10 classes) from the IDX files that
 * {@code scripts/fetch-data.sh} unpacks. The last {@code valSize} training images form the
 * validation set. Images are scaled to [0, 1], shape {@code (1, 28, 28)} per sample.
 */
public final class FashionMnistDataModule extends LightningDataModule {

    private static final long serialVersionUID = 1L;

    static final String[] FILES = {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

    private final String dataDir;
    private final int batchSize;
    private final int valSize;
    private final long seed;
    private final int trainLimit;

    private transient TensorDataset train;
    private transient TensorDataset val;
    private transient TensorDataset test;

    /**
     * @param dataDir the data directory (holding {@code fashion-mnist/})
     * @param batchSize batch size of every loader
     */
    public FashionMnistDataModule(Path dataDir, int batchSize) {
        this(dataDir, batchSize, 5_000, 42, Integer.MAX_VALUE);
    }

    /**
     * @param valSize training images held out for validation
     * @param seed shuffle seed
     * @param trainLimit use at most this many training images (quick runs)
     */
    public FashionMnistDataModule(Path dataDir, int batchSize, int valSize, long seed, int trainLimit) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (valSize < 0 || valSize >= 60_000) {
            throw new IllegalArgumentException("valSize must be in [0, 60000), got " + valSize);
        }
        this.dataDir = dataDir.toAbsolutePath().toString();
        this.batchSize = batchSize;
        this.valSize = valSize;
        this.seed = seed;
        this.trainLimit = trainLimit;
    }

    private Path dir() {
        return Path.of(dataDir, "fashion-mnist");
    }

    @Override
    public void prepareData() {
        for (String f : FILES) {
            if (!Files.isRegularFile(dir().resolve(f))) {
                throw new IllegalStateException("Fashion-MNIST is missing: " + dir().resolve(f)
                        + " does not exist. Run " + DataDirectory.FETCH_COMMAND + " (it fetches the data into "
                        + "data/, or into $RAY_LIGHTNING_DATA), or point -Dray.lightning.data at the directory.");
            }
        }
    }

    /** The training images split into training and validation sets. */
    private record Split(TensorDataset train, TensorDataset val) {}

    @Override
    public void setup(String stage) {
        prepareData();
        try {
            // kept in the process: a reused worker JVM (or a notebook's second fit) skips decoding
            if (train == null && (stage.equals("fit") || stage.equals("validate"))) {
                Split split = ProcessCache.get("fashion-mnist/train/" + valSize + "/" + trainLimit, files("train"),
                        Split.class, this::loadSplit);
                train = split.train();
                val = split.val();
            }
            if (test == null && (stage.equals("test") || stage.equals("predict"))) {
                test = ProcessCache.get("fashion-mnist/t10k", files("t10k"), TensorDataset.class, () -> load("t10k"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read Fashion-MNIST from " + dir() + ": " + e.getMessage(), e);
        }
    }

    private Split loadSplit() throws IOException {
        TensorDataset all = load("train");
        int n = all.size() - valSize;
        var t = all.collate(range(0, Math.min(n, trainLimit)));
        var v = all.collate(range(n, all.size()));
        return new Split(new TensorDataset(t.inputs(), t.labels()), new TensorDataset(v.inputs(), v.labels()));
    }

    private List<Path> files(String prefix) {
        return List.of(dir().resolve(prefix + "-images-idx3-ubyte.gz"),
                dir().resolve(prefix + "-labels-idx1-ubyte.gz"));
    }

    private static int[] range(int from, int to) {
        int[] out = new int[Math.max(0, to - from)];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    private TensorDataset load(String prefix) throws IOException {
        List<Path> files = files(prefix);
        IdxArray images = IdxReader.read(files.get(0));
        IdxArray labels = IdxReader.read(files.get(1));
        if (images.count() != labels.count()) {
            throw new IOException(prefix + ": " + images.count() + " images but " + labels.count() + " labels");
        }
        int[] s = images.shape();
        float[] pixels = images.toFloats(1f / 255f);
        return new TensorDataset(HostTensor.ofFloats(pixels, s[0], 1, s[1], s[2]),
                HostTensor.ofLongs(labels.toLongs(), labels.count()));
    }

    @Override
    public DataLoader trainDataloader() {
        return DataLoader.builder(train).batchSize(batchSize).shuffle(true).seed(seed).build();
    }

    @Override
    public Optional<DataLoader> valDataloader() {
        return val == null || val.size() == 0 ? Optional.empty() : Optional.of(DataLoader.builder(val).batchSize(batchSize).build());
    }

    @Override
    public Optional<DataLoader> testDataloader() {
        return Optional.of(DataLoader.builder(test).batchSize(batchSize).build());
    }

    @Override
    public Optional<DataLoader> predictDataloader() {
        return testDataloader();
    }

    @Override
    public void teardown(String stage) {
        // keep the arrays: fit, test and predict often follow each other on the same module
    }
}
