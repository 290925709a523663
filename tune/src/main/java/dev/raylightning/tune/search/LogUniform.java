package dev.raylightning.tune.search;

import java.util.Random;

/**
 * A double in [lower, upper] whose logarithm is uniform, so each decade is equally likely
 * (the base of the logarithm doesn't change the distribution). See {@link SearchSpace#loguniform}.
 */
public record LogUniform(double lower, double upper) implements RandomDomain {

    private static final long serialVersionUID = 1L;

    public LogUniform {
        String call = Args.call("loguniform", lower, upper);
        check(call, lower, upper);
    }

    static void check(String call, double lower, double upper) {
        Args.finite(call, "lower bound", lower);
        Args.finite(call, "upper bound", upper);
        if (!(lower > 0)) {
            throw Args.bad(call, "lower bound must be > 0");
        }
        Args.ordered(call, lower, upper);
    }

    static double draw(Random rng, double lower, double upper) {
        double x = StrictMath.exp(rng.nextDouble(StrictMath.log(lower), StrictMath.log(upper)));
        // exp(log(x)) can miss x by an ulp; keep samples inside the stated bounds.
        return Math.max(lower, Math.min(upper, x));
    }

    @Override
    public Object sample(Random rng) {
        return draw(rng, lower, upper);
    }

    @Override
    public String toString() {
        return Args.call("loguniform", lower, upper);
    }
}
