package dev.raylightning.core.data;

import static dev.raylightning.core.util.Checks.checkArgument;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * torch's {@code DataLoader}: batches a {@link Dataset} in the order a {@link Sampler} gives,
 * optionally collating the next batches on a background thread while the current one trains.
 */
public final class DataLoader implements Iterable<HostBatch>, Serializable {

    private static final long serialVersionUID = 1L;

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final int prefetch;
    private final Sampler sampler;

    private DataLoader(Builder b, Sampler sampler) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
        this.sampler = sampler;
    }

    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    public Dataset dataset() {
        return dataset;
    }

    public int batchSize() {
        return batchSize;
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

    public Sampler sampler() {
        return sampler;
    }

    /** A loader over the same dataset and settings with another sampler (e.g. distributed). */
    public DataLoader withSampler(Sampler newSampler) {
        Builder b = new Builder(dataset).batchSize(batchSize).shuffle(shuffle).seed(seed).dropLast(dropLast).prefetch(prefetch);
        return new DataLoader(b, newSampler);
    }

    /** Batches per epoch. */
    public int numBatches() {
        int n = sampler.length();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Forwards the epoch to the sampler, so each epoch shuffles differently but reproducibly. */
    public void setEpoch(int epoch) {
        sampler.setEpoch(epoch);
    }

    @Override
    public BatchIterator iterator() {
        return iterator(0);
    }

    /** Iterates the current epoch starting at batch {@code firstBatch} (to resume mid-epoch). */
    public BatchIterator iterator(int firstBatch) {
        int[] order = sampler.indices();
        int total = numBatches();
        return prefetch > 0 ? new PrefetchingIterator(order, firstBatch, total) : new DirectIterator(order, firstBatch, total);
    }

    private HostBatch batchAt(int[] order, int b) {
        int from = b * batchSize;
        int to = Math.min(order.length, from + batchSize);
        int[] rows = Arrays.copyOfRange(order, from, to);
        return dataset.collate(rows).withIndices(rows);
    }

    /** An iterator that must be closed when abandoned early, to stop its prefetch thread. */
    public interface BatchIterator extends Iterator<HostBatch>, AutoCloseable {
        @Override
        void close();
    }

    private final class DirectIterator implements BatchIterator {
        private final int[] order;
        private final int total;
        private int next;

        DirectIterator(int[] order, int first, int total) {
            this.order = order;
            this.next = first;
            this.total = total;
        }

        @Override
        public boolean hasNext() {
            return next < total;
        }

        @Override
        public HostBatch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return batchAt(order, next++);
        }

        @Override
        public void close() {}
    }

    private final class PrefetchingIterator implements BatchIterator {
        private final Object end = new Object();
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(prefetch);
        private final Thread worker;
        private Object head;
        private volatile boolean closed;

        PrefetchingIterator(int[] order, int first, int total) {
            worker = new Thread(() -> produce(order, first, total), "data-loader-prefetch");
            worker.setDaemon(true);
            worker.start();
        }

        private void produce(int[] order, int first, int total) {
            try {
                for (int b = first; b < total && !closed; b++) {
                    queue.put(batchAt(order, b));
                }
                queue.put(end);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                try {
                    queue.put(e);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private Object peek() {
            if (head == null) {
                try {
                    head = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new IllegalStateException("interrupted while waiting for the next batch", e);
                }
            }
            return head;
        }

        @Override
        public boolean hasNext() {
            Object h = peek();
            if (h instanceof RuntimeException re) {
                throw re;
            }
            if (h instanceof Error err) {
                throw err;
            }
            return h != end;
        }

        @Override
        public HostBatch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            HostBatch b = (HostBatch) head;
            head = null;
            return b;
        }

        @Override
        public void close() {
            closed = true;
            worker.interrupt();
            queue.clear();
        }
    }

    /** Settings for a {@link DataLoader}; defaults follow torch (batch 1, no shuffle). */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private long seed = 0;
        private boolean dropLast;
        private int prefetch = 2;
        private Sampler sampler;

        private Builder(Dataset dataset) {
            checkArgument(dataset != null, "dataset must not be null");
            this.dataset = dataset;
        }

        public Builder batchSize(int batchSize) {
            checkArgument(batchSize >= 1, "batchSize must be >= 1, got " + batchSize);
            this.batchSize = batchSize;
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Seed of the shuffle; each epoch permutes with seed and epoch number. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Batches collated ahead on a background thread; 0 collates on the caller's thread. */
        public Builder prefetch(int batches) {
            checkArgument(batches >= 0, "prefetch must be >= 0, got " + batches);
            this.prefetch = batches;
            return this;
        }

        /** A custom sampler; excludes {@code shuffle}. */
        public Builder sampler(Sampler sampler) {
            this.sampler = sampler;
            return this;
        }

        public DataLoader build() {
            checkArgument(sampler == null || !shuffle, "sampler and shuffle=true are mutually exclusive");
            Sampler s = sampler != null ? sampler
                    : shuffle ? new RandomSampler(dataset.size(), seed) : new SequentialSampler(dataset.size());
            return new DataLoader(this, s);
        }
    }
}
