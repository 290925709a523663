package dev.raylightning.tune.search;

import java.util.Random;

/** A normally distributed double; see {@link SearchSpace#randn}. */
public record RandN(double mean, double sd) implements RandomDomain {

    private static final long serialVersionUID = 1L;

    public RandN {
        String call = Args.call("randn", mean, sd);
        Args.finite(call, "mean", mean);
        Args.finite(call, "sd", sd);
        if (!(sd > 0)) {
            throw Args.bad(call, "sd must be > 0, got " + Args.num(sd));
        }
    }

    @Override
    public Object sample(Random rng) {
        return mean + sd * rng.nextGaussian();
    }

    @Override
    public String toString() {
        return Args.call("randn", mean, sd);
    }
}
