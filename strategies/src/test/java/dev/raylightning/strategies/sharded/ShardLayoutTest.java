package dev.raylightning.strategies.sharded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class ShardLayoutTest {

    /** The example MLP: one parameter holds 98.6% of the elements. */
    private static final long[] MLP = {128 * 784, 128, 10 * 128, 10};

    @ParameterizedTest
    @CsvSource({"2, 1000000", "3, 1000000", "4, 6553600", "3, 1000", "7, 97"})
    void everyRankOwnsItsShareEvenWhenOneParameterDominates(int ranks, long bucket) {
        ShardLayout l = new ShardLayout(MLP, ranks, bucket);
        int total = l.totalElements();
        assertEquals(101_770, total);
        int owned = IntStream.range(0, ranks).map(l::ownedElements).sum();
        assertEquals(total, owned, "every element has exactly one owner");
        for (int r = 0; r < ranks; r++) {
            assertTrue(l.ownedElements(r) <= total / (double) ranks * 1.05, "rank " + r + " owns " + l.ownedElements(r));
            assertTrue(l.shardLength() >= l.ownedElements(r));
        }
        assertEquals(l.shardLength() * ranks, IntStream.range(0, l.bucketCount()).map(l::paddedBucketElements).sum());
        assertEquals(l.paddedLength(), IntStream.range(0, l.bucketCount()).map(l::paddedBucketElements).sum());
    }

    @Test
    void shardsOfAFullVectorPutItBackTogetherInRankOrderPerBucket() {
        ShardLayout l = new ShardLayout(new long[] {5, 7, 3}, 3, 4);
        assertEquals(15, l.totalElements());
        assertEquals(6, l.paddedBucketElements(0), "buckets round up to a multiple of the world size");
        float[] full = new float[15];
        for (int i = 0; i < full.length; i++) {
            full[i] = i + 1;
        }
        float[] rebuilt = new float[l.paddedLength()];
        for (int r = 0; r < 3; r++) {
            float[] shard = l.shardOf(full, r);
            assertEquals(l.shardLength(), shard.length);
            for (int j = 0; j < l.bucketCount(); j++) {
                System.arraycopy(shard, l.shardOffset(j), rebuilt, l.paddedBucketOffset(j) + r * l.sliceElements(j),
                        l.sliceElements(j));
            }
        }
        assertArrayEquals(full, l.unpad(rebuilt));
        for (int e = l.totalElements(); e < l.paddedLength(); e++) {
            assertEquals(0f, rebuilt[e], "padding is zero");
        }
    }

    @Test
    void theLayoutDependsOnlyOnSizesWorldAndBucketAndRefusesNonsense() {
        ShardLayout a = new ShardLayout(MLP, 3, 5000);
        ShardLayout b = new ShardLayout(MLP.clone(), 3, 5000);
        assertEquals(a.toString(), b.toString());
        for (int r = 0; r < 3; r++) {
            assertEquals(a.ownedElements(r), b.ownedElements(r));
        }
        assertThrows(IllegalArgumentException.class, () -> new ShardLayout(MLP, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new ShardLayout(MLP, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new ShardLayout(new long[] {-1}, 2, 10));
        assertThrows(IllegalArgumentException.class, () -> new ShardLayout(new long[] {1L << 31}, 2, 10));
    }
}
