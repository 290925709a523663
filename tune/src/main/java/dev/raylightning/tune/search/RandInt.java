package dev.raylightning.tune.search;

import java.util.Random;

/** A {@code Long} drawn uniformly from [lower, upper), upper excluded as in Ray; see {@link SearchSpace#randint}. */
public record RandInt(long lower, long upper) implements RandomDomain {

    private static final long serialVersionUID = 1L;

    public RandInt {
        if (lower >= upper) {
            throw Args.bad(Args.call("randint", lower, upper),
                    "lower bound " + lower + " must be < upper bound " + upper + " (the upper bound is excluded)");
        }
    }

    @Override
    public Object sample(Random rng) {
        return rng.nextLong(lower, upper);
    }

    @Override
    public String toString() {
        return Args.call("randint", lower, upper);
    }
}
