package dev.raylightning.tune.search;

import java.util.Random;

/**
 * A {@code Long} drawn uniformly from the multiples of {@code q} in [lower, upper], upper
 * included as in Ray. Unlike Ray, which rounds a uniform integer and so makes the end values
 * half as likely and can step outside bounds that aren't multiples of {@code q}, every multiple
 * is equally likely and samples never leave the bounds. See {@link SearchSpace#qrandint}.
 */
public record QRandInt(long lower, long upper, long q) implements RandomDomain {

    private static final long serialVersionUID = 1L;

    public QRandInt {
        String call = Args.call("qrandint", lower, upper, q);
        if (q <= 0) {
            throw Args.bad(call, "q must be > 0, got " + q);
        }
        if (lower >= upper) {
            throw Args.bad(call, "lower bound " + lower + " must be < upper bound " + upper);
        }
        if (firstMultiple(lower, q) > lastMultiple(upper, q)) {
            throw Args.bad(call, "no multiple of q=" + q + " lies in [" + lower + ", " + upper + "]");
        }
    }

    private static long firstMultiple(long lower, long q) {
        // ceil(lower / q) without negating lower, which overflows at Long.MIN_VALUE.
        return Math.floorDiv(lower, q) + (Math.floorMod(lower, q) == 0 ? 0 : 1);
    }

    private static long lastMultiple(long upper, long q) {
        return Math.floorDiv(upper, q);
    }

    @Override
    public Object sample(Random rng) {
        long first = firstMultiple(lower, q);
        long last = lastMultiple(upper, q);
        return q * inclusive(rng, first, last);
    }

    /** Uniform in [first, last], including the ranges where last + 1 would overflow. */
    private static long inclusive(Random rng, long first, long last) {
        if (last < Long.MAX_VALUE) {
            return rng.nextLong(first, last + 1);
        }
        return first > Long.MIN_VALUE ? rng.nextLong(first - 1, last) + 1 : rng.nextLong();
    }

    @Override
    public String toString() {
        return Args.call("qrandint", lower, upper, q);
    }
}
