package dev.raylightning.core.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class DataLoaderTest {

    private static TensorDataset range(int n) {
        float[] x = new float[n * 2];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i;
        }
        return new TensorDataset(HostTensor.ofFloats(x, n, 2), HostTensor.ofLongs(y, n));
    }

    private static List<Long> labels(DataLoader loader) {
        List<Long> out = new ArrayList<>();
        try (DataLoader.BatchIterator it = loader.iterator()) {
            while (it.hasNext()) {
                HostBatch b = it.next();
                for (long v : b.labels()[0].longs()) {
                    out.add(v);
                }
                // features travel with their labels
                float[] f = b.inputs()[0].floats();
                long[] l = b.labels()[0].longs();
                for (int i = 0; i < l.length; i++) {
                    assertEquals(l[i], (long) f[2 * i]);
                }
            }
        }
        return out;
    }

    @Test
    void batchesInOrderWithPartialLastBatch() {
        DataLoader loader = DataLoader.builder(range(10)).batchSize(4).build();
        assertEquals(3, loader.numBatches());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), labels(loader));
        DataLoader drop = DataLoader.builder(range(10)).batchSize(4).dropLast(true).prefetch(0).build();
        assertEquals(2, drop.numBatches());
        assertEquals(8, labels(drop).size());
    }

    @Test
    void shuffleIsSeededPerEpochAndCoversEverySample() {
        DataLoader a = DataLoader.builder(range(50)).batchSize(8).shuffle(true).seed(3).build();
        DataLoader b = DataLoader.builder(range(50)).batchSize(8).shuffle(true).seed(3).prefetch(0).build();
        List<Long> a0 = labels(a);
        assertEquals(a0, labels(b), "same seed and epoch, same order (with or without prefetch)");
        assertEquals(50, new HashSet<>(a0).size());
        a.setEpoch(1);
        assertNotEquals(a0, labels(a), "another epoch, another order");
    }

    @Test
    void resumeFromABatchIndex() {
        DataLoader loader = DataLoader.builder(range(10)).batchSize(3).build();
        List<Long> tail = new ArrayList<>();
        try (DataLoader.BatchIterator it = loader.iterator(2)) {
            it.forEachRemaining(b -> Arrays.stream(b.labels()[0].longs()).forEach(tail::add));
        }
        assertEquals(List.of(6L, 7L, 8L, 9L), tail);
    }

    @Test
    void abandonedPrefetchIteratorStopsItsThread() throws InterruptedException {
        DataLoader loader = DataLoader.builder(range(10_000)).batchSize(1).prefetch(2).build();
        DataLoader.BatchIterator it = loader.iterator();
        it.next();
        it.close();
        for (int i = 0; i < 50 && prefetchThreads() > 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, prefetchThreads());
    }

    private static long prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("data-loader-prefetch")).count();
    }

    @Test
    void errorsInCollationReachTheTrainingThread() {
        Dataset broken = new Dataset() {
            @Override
            public int size() {
                return 4;
            }

            @Override
            public Sample get(int index) {
                throw new IllegalStateException("bad sample " + index);
            }
        };
        DataLoader loader = DataLoader.builder(broken).batchSize(2).build();
        try (DataLoader.BatchIterator it = loader.iterator()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, it::hasNext);
            assertTrue(e.getMessage().startsWith("bad sample"));
        }
    }

    @Test
    void invalidArgumentsNameTheArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(range(2)).batchSize(0))
                .getMessage().contains("batchSize"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(range(2)).prefetch(-1))
                .getMessage().contains("prefetch"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(range(2)).shuffle(true).sampler(new SequentialSampler(2)).build())
                .getMessage().contains("sampler"));
    }

    @Test
    void genericCollationStacksSamples() {
        TensorDataset ds = range(5);
        Dataset generic = new Dataset() {
            @Override
            public int size() {
                return ds.size();
            }

            @Override
            public Sample get(int index) {
                return ds.get(index);
            }
        };
        HostBatch fast = ds.collate(new int[] {4, 1});
        HostBatch slow = generic.collate(new int[] {4, 1});
        assertArrayEquals(fast.inputs()[0].floats(), slow.inputs()[0].floats());
        assertArrayEquals(fast.labels()[0].longs(), slow.labels()[0].longs());
        assertArrayEquals(new long[] {2, 2}, slow.inputs()[0].shape());
        Set<Long> seen = new HashSet<>();
        for (long v : slow.labels()[0].longs()) {
            seen.add(v);
        }
        assertEquals(Set.of(4L, 1L), seen);
    }
}
