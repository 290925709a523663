package dev.raylightning.strategies.sharded;

import static dev.raylightning.core.util.Checks.checkArgument;

/**
 * How the trainable parameters are split over ranks, deterministically from their sizes (block
 * order), the world size and the bucket size. The parameters are laid end to end as one flat
 * vector of {@code E} elements, cut into buckets of {@code B} elements; each bucket is padded with
 * zeros to a multiple of the world size {@code N} and split into {@code N} equal slices: rank
 * {@code r} owns slice {@code r} of every bucket. A parameter may span buckets and slices, so one
 * huge parameter is split too, and every rank owns at most {@code ceil(E / N)} plus
 * {@code N - 1} elements per bucket of padding.
 *
 * <p>Every bucket but the last is full and needs no padding, so an element has the same index in
 * the flat vector of parameters ({@link #parameterOffset}) and in the padded vector collectives
 * see (the last bucket's padding follows it). A rank's shard is its slices of every bucket, end to
 * end; every rank's shard has the same length, {@link #shardLength()}.
 */
public final class ShardLayout {

    private final int worldSize;
    private final long[] parameterOffsets;
    private final int total;
    private final int bucket;

    /**
     * @param parameterSizes element counts of the trainable parameters, block order
     * @param worldSize ranks sharing the parameters
     * @param bucketElements elements per bucket before padding (rounded up to a multiple of worldSize)
     */
    public ShardLayout(long[] parameterSizes, int worldSize, long bucketElements) {
        checkArgument(worldSize >= 1, "worldSize must be >= 1, got %s", worldSize);
        checkArgument(bucketElements >= 1, "bucketElements must be >= 1, got %s", bucketElements);
        this.worldSize = worldSize;
        this.parameterOffsets = new long[parameterSizes.length + 1];
        for (int i = 0; i < parameterSizes.length; i++) {
            checkArgument(parameterSizes[i] >= 0, "parameter %s has %s elements", i, parameterSizes[i]);
            parameterOffsets[i + 1] = parameterOffsets[i] + parameterSizes[i];
        }
        long e = parameterOffsets[parameterSizes.length];
        // collectives address float buffers with ints
        checkArgument(e + (long) worldSize * worldSize < Integer.MAX_VALUE / Float.BYTES,
                "%s parameter elements are more than one flat float buffer can hold", e);
        this.total = (int) e;
        long b = Math.min(Math.max(bucketElements, 1), Math.max(e, 1));
        this.bucket = (int) ((b + worldSize - 1) / worldSize * worldSize);
    }

    public int worldSize() {
        return worldSize;
    }

    /** Parameter elements, without padding. */
    public int totalElements() {
        return total;
    }

    public int parameterCount() {
        return parameterOffsets.length - 1;
    }

    /** Where parameter {@code i} starts in the unpadded flat vector. */
    public int parameterOffset(int i) {
        return (int) parameterOffsets[i];
    }

    public int parameterSize(int i) {
        return (int) (parameterOffsets[i + 1] - parameterOffsets[i]);
    }

    public int bucketCount() {
        return Math.max(1, (total + bucket - 1) / bucket);
    }

    /** Elements of bucket {@code j} before padding. */
    public int bucketElements(int j) {
        return Math.min(bucket, total - j * bucket);
    }

    /** Elements of bucket {@code j} with its padding: a multiple of the world size. */
    public int paddedBucketElements(int j) {
        int n = bucketElements(j);
        return (n + worldSize - 1) / worldSize * worldSize;
    }

    /** Where bucket {@code j} starts in the padded flat vector. */
    public int paddedBucketOffset(int j) {
        return j * bucket;
    }

    /** Length of the padded flat vector. */
    public int paddedLength() {
        int last = bucketCount() - 1;
        return paddedBucketOffset(last) + paddedBucketElements(last);
    }

    /** Elements of every rank's slice of bucket {@code j}. */
    public int sliceElements(int j) {
        return paddedBucketElements(j) / worldSize;
    }

    /** Where bucket {@code j}'s slice starts in a rank's shard. */
    public int shardOffset(int j) {
        return j * (bucket / worldSize);
    }

    /** Elements of every rank's shard, padding included. */
    public int shardLength() {
        int last = bucketCount() - 1;
        return shardOffset(last) + sliceElements(last);
    }

    /** Parameter elements (not padding) in {@code rank}'s shard. */
    public int ownedElements(int rank) {
        int owned = 0;
        for (int j = 0; j < bucketCount(); j++) {
            int start = paddedBucketOffset(j) + rank * sliceElements(j);
            int end = Math.min(start + sliceElements(j), paddedBucketOffset(j) + bucketElements(j));
            owned += Math.max(0, end - start);
        }
        return owned;
    }

    /**
     * A run of one parameter's elements inside a rank's shard.
     *
     * @param parameter the parameter's index in block order
     * @param parameterOffset where the run starts inside the parameter
     * @param length elements in the run
     * @param shardOffset where the run starts inside the rank's shard
     */
    public record Segment(int parameter, int parameterOffset, int length, int shardOffset) {}

    /** The runs of parameter elements {@code rank} owns, in shard order (padding has none). */
    public java.util.List<Segment> segments(int rank) {
        java.util.List<Segment> out = new java.util.ArrayList<>();
        for (int j = 0; j < bucketCount(); j++) {
            int start = paddedBucketOffset(j) + rank * sliceElements(j);
            int end = Math.min(start + sliceElements(j), paddedBucketOffset(j) + bucketElements(j));
            for (int i = 0; i < parameterCount() && start < end; i++) {
                int from = Math.max(start, parameterOffset(i));
                int to = Math.min(end, parameterOffset(i) + parameterSize(i));
                if (to > from) {
                    out.add(new Segment(i, from - parameterOffset(i), to - from, shardOffset(j) + from - start));
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "ShardLayout(" + total + " elements, " + parameterCount() + " parameters, " + worldSize + " ranks, "
                + bucketCount() + " buckets of " + bucket + ")";
    }
}
