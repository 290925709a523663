package dev.raylightning.tune.search;

import java.util.Random;

/**
 * A log-uniform double in [lower, upper] rounded to the nearest multiple of {@code q}; both
 * bounds must be multiples of {@code q}, as in Ray. See {@link SearchSpace#qloguniform}.
 */
public record QLogUniform(double lower, double upper, double q) implements RandomDomain {

    private static final long serialVersionUID = 1L;

    public QLogUniform {
        String call = Args.call("qloguniform", lower, upper, q);
        LogUniform.check(call, lower, upper);
        Quantizer.checkStep(call, q);
        Quantizer.checkMultiple(call, "lower bound", lower, q);
        Quantizer.checkMultiple(call, "upper bound", upper, q);
    }

    @Override
    public Object sample(Random rng) {
        return Quantizer.round(LogUniform.draw(rng, lower, upper), q, lower, upper);
    }

    @Override
    public String toString() {
        return Args.call("qloguniform", lower, upper, q);
    }
}
