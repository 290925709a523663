package dev.raylightning.tune.search;

import java.util.Random;

/** A double drawn uniformly from [lower, upper); see {@link SearchSpace#uniform}. */
public record Uniform(double lower, double upper) implements RandomDomain {

    private static final long serialVersionUID = 1L;

    public Uniform {
        String call = Args.call("uniform", lower, upper);
        Args.finite(call, "lower bound", lower);
        Args.finite(call, "upper bound", upper);
        Args.ordered(call, lower, upper);
        Args.representableWidth(call, lower, upper);
    }

    @Override
    public Object sample(Random rng) {
        return rng.nextDouble(lower, upper);
    }

    @Override
    public String toString() {
        return Args.call("uniform", lower, upper);
    }
}
