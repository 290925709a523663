package dev.raylightning.tune.search;

import java.util.Random;

/**
 * A uniform double in [lower, upper] rounded to the nearest multiple of {@code q}; both bounds
 * must be multiples of {@code q}. As in Ray, the two end values are half as likely as the others.
 * See {@link SearchSpace#quniform}.
 */
public record QUniform(double lower, double upper, double q) implements RandomDomain {

    private static final long serialVersionUID = 1L;

    public QUniform {
        String call = Args.call("quniform", lower, upper, q);
        Args.finite(call, "lower bound", lower);
        Args.finite(call, "upper bound", upper);
        Quantizer.checkStep(call, q);
        Args.ordered(call, lower, upper);
        Args.representableWidth(call, lower, upper);
        Quantizer.checkMultiple(call, "lower bound", lower, q);
        Quantizer.checkMultiple(call, "upper bound", upper, q);
    }

    @Override
    public Object sample(Random rng) {
        return Quantizer.round(rng.nextDouble(lower, upper), q, lower, upper);
    }

    @Override
    public String toString() {
        return Args.call("quniform", lower, upper, q);
    }
}
