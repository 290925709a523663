package dev.raylightning.core.data;

import static dev.raylightning.core.util.Checks.checkArgument;

/**
 * torch's {@code DistributedSampler}: each of {@code numReplicas} ranks takes every
 * {@code numReplicas}-th index starting at its rank. Without drop-last, the index list is padded
 * by repeating its head so every rank gets {@code ceil(n / numReplicas)} samples; with it, the
 * tail is cut so every rank gets {@code floor(n / numReplicas)}. {@link #uneven} does neither:
 * ranks' counts then differ by at most one, for strategies that join uneven inputs. Shuffling
 * uses seed + epoch, so call {@link #setEpoch} every epoch. {@link #continueEpochAfter} makes one
 * epoch skip the head of its order that earlier ranks (perhaps more or fewer of them) already
 * trained on: a fit resumed mid-epoch at another world size shards only the rest.
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
    /** The epoch whose first {@link #skipped} positions of the order are left out, or -1. */
    private int skipEpoch = -1;
    private long skipped;

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

    /**
     * In epoch {@code epoch}, leaves out the first {@code positions} of the epoch's order: the
     * samples that ranks of an earlier run took before it was interrupted (under this sampling,
     * b batches of size B on each of N ranks are exactly the first b x B x N positions). The
     * rest is padded, cut or spread unevenly over this sampler's ranks as usual; other epochs
     * are whole.
     */
    public void continueEpochAfter(int epoch, long positions) {
        checkArgument(epoch >= 0, "epoch must be >= 0, got " + epoch);
        checkArgument(positions >= 0 && positions < Math.max(1, datasetSize),
                "positions must be in [0, " + datasetSize + "), got " + positions);
        this.skipEpoch = positions == 0 ? -1 : epoch;
        this.skipped = positions;
    }

    /** The positions of the current epoch's order that are sampled: all, or those after a skipped head. */
    private int size() {
        return epoch == skipEpoch ? datasetSize - (int) skipped : datasetSize;
    }

    @Override
    public int length() {
        int size = size();
        if (!even) {
            // never negative: size >= 0 and rank <= numReplicas - 1
            return (size - rank + numReplicas - 1) / numReplicas;
        }
        return dropLast ? size / numReplicas : (size + numReplicas - 1) / numReplicas;
    }

    /** Total indices over all ranks after padding or cutting (the dataset's size when uneven). */
    public int totalSize() {
        return even ? length() * numReplicas : size();
    }

    @Override
    public int[] indices() {
        int[] order = shuffle ? Shuffle.permutation(datasetSize, seed, epoch) : new SequentialSampler(datasetSize).indices();
        int size = size();
        if (size < datasetSize) {
            order = java.util.Arrays.copyOfRange(order, datasetSize - size, datasetSize);
        }
        if (!even) {
            int[] mine = new int[length()];
            for (int i = 0; i < mine.length; i++) {
                mine[i] = order[rank + i * numReplicas];
            }
            return mine;
        }
        int total = totalSize();
        int[] all = new int[total];
        if (size > 0) {
            for (int i = 0; i < total; i++) {
                all[i] = order[i % size];
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
