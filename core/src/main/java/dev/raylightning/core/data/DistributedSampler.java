package dev.raylightning.core.data;

import static dev.raylightning.core.util.Checks.checkArgument;

/**
 * torch's {@code DistributedSampler}: each of {@code numReplicas} ranks takes every
 * {@code numReplicas}-th index starting at its rank. Without drop-last, the index list is padded
 * by repeating its head so every rank gets {@code ceil(n / numReplicas)} samples; with it, the
 * tail is cut so every rank gets {@code floor(n / numReplicas)}. {@link #uneven} does neither:
 * ranks' counts then differ by at most one, for strategies that join uneven inputs. Shuffling
 * uses seed + epoch, so call {@link #setEpoch} every epoch.
 */
public final class DistributedSampler implements Sampler {

    private static final long serialVersionUID = 1L;

    private final int datasetSize;
    private final int numReplicas;
    private final int rank;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    /** Whether every rank gets the same count (padded or cut); false for {@link #uneven}. */
    private final boolean even;
    private int epoch;

    public DistributedSampler(int datasetSize, int numReplicas, int rank, boolean shuffle, long seed) {
        this(datasetSize, numReplicas, rank, shuffle, seed, false);
    }

    public DistributedSampler(
            int datasetSize, int numReplicas, int rank, boolean shuffle, long seed, boolean dropLast) {
        this(datasetSize, numReplicas, rank, shuffle, seed, dropLast, true);
    }

    private DistributedSampler(int datasetSize, int numReplicas, int rank, boolean shuffle, long seed,
            boolean dropLast, boolean even) {
        checkArgument(numReplicas >= 1, "numReplicas must be >= 1, got " + numReplicas);
        checkArgument(rank >= 0 && rank < numReplicas,
                "rank must be in [0, " + (numReplicas - 1) + "], got " + rank);
        checkArgument(datasetSize >= 0, "datasetSize must be >= 0, got " + datasetSize);
        this.datasetSize = datasetSize;
        this.numReplicas = numReplicas;
        this.rank = rank;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
        this.even = even;
    }

    /**
     * A sampler that neither pads nor cuts: rank {@code r} takes indices r, r + numReplicas, ...
     * of the (shuffled) order, every sample is seen once per epoch, and lower ranks get one more
     * when {@code numReplicas} does not divide the size.
     */
    public static DistributedSampler uneven(int datasetSize, int numReplicas, int rank, boolean shuffle, long seed) {
        return new DistributedSampler(datasetSize, numReplicas, rank, shuffle, seed, false, false);
    }

    @Override
    public int length() {
        if (!even) {
            // never negative: datasetSize >= 0 and rank <= numReplicas - 1
            return (datasetSize - rank + numReplicas - 1) / numReplicas;
        }
        return dropLast ? datasetSize / numReplicas : (datasetSize + numReplicas - 1) / numReplicas;
    }

    /** Total indices over all ranks after padding or cutting (the dataset's size when uneven). */
    public int totalSize() {
        return even ? length() * numReplicas : datasetSize;
    }

    @Override
    public int[] indices() {
        int[] order = shuffle ? Shuffle.permutation(datasetSize, seed, epoch) : new SequentialSampler(datasetSize).indices();
        if (!even) {
            int[] mine = new int[length()];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = order[rank + i * numReplicas];
            }
            return mine;
        }
        int total = totalSize();
        int[] all = new int[total];
        if (datasetSize > 0) {
            for (int i = 0; i < total; i++) {
                all[i] = order[i % datasetSize];
            }
        }
        int[] mine = new int[length()];
        for (int i = 0; i < mine.length; i++) {
            mine[i] = all[rank + i * numReplicas];
        }
        return mine;
    }

    @Override
    public void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    public int numReplicas() {
        return numReplicas;
    }

    public int rank() {
        return rank;
    }

    public boolean shuffle() {
        return shuffle;
    }

    public long seed() {
        return seed;
    }

    public boolean dropLast() {
        return dropLast;
    }

    /** Whether every rank gets the same number of indices (false for {@link #uneven}). */
    public boolean even() {
        return even;
    }
}
