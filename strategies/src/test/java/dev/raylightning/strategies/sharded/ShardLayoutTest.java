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
    void segmentsCoverEveryElementOnceAtItsPlaceInItsOwnersSlice() {
        ShardLayout l = new ShardLayout(new long[] {5, 7, 3}, 3, 4);
        assertEquals(15, l.totalElements());
        assertEquals(6, l.paddedBucketElements(0), "buckets round up to a multiple of the world size");
        int[][] owner = {new int[5], new int[7], new int[3]};
        for (int r = 0; r < 3; r++) {
            int owned = 0;
            for (ShardLayout.Segment g : l.segments(r)) {
                owned += g.length();
                for (int e = 0; e < g.length(); e++) {
                    int flat = l.parameterOffset(g.parameter()) + g.parameterOffset() + e;
                    int bucket = flat / l.paddedBucketElements(0);
                    int inBucket = flat - l.paddedBucketOffset(bucket);
                    assertEquals(r, inBucket / l.sliceElements(bucket), "element " + flat + " lies in rank r's slice");
                    assertEquals(l.shardOffset(bucket) + inBucket % l.sliceElements(bucket), g.shardOffset() + e,
                            "element " + flat + " sits at its place in the shard");
                    owner[g.parameter()][g.parameterOffset() + e]++;
                }
            }
            assertEquals(l.ownedElements(r), owned);
            assertTrue(owned <= l.shardLength());
        }
        for (int[] p : owner) {
            for (int count : p) {
                assertEquals(1, count, "every element has exactly one owner");
            }
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
