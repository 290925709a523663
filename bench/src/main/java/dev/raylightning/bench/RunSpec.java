package dev.raylightning.bench;

/**
 * How long one measurement trains: {@code warmup} untimed optimizer steps, then {@code steps}
 * timed ones, at {@code batchSize}. Every run starts from a fresh model seeded with {@code seed}.
 */
public record RunSpec(int batchSize, int warmup, int steps, long seed) {

    public RunSpec {
        if (batchSize < 1 || warmup < 1 || steps < 1) {
            throw new IllegalArgumentException("batchSize, warmup and steps must be >= 1, got "
                    + batchSize + ", " + warmup + ", " + steps);
        }
    }

    /** Steps the run takes in all. */
    public int totalSteps() {
        return warmup + steps;
    }
}
