package dev.raylightning.tune.search;

import java.util.Random;

/**
 * Randomness for one value of one variant, derived from the variant's seed and the value's
 * path. Giving each path its own stream means a value's samples don't shift when keys are added
 * or reordered, or when a sampleFrom function is retried.
 */
final class Seeds {

    private Seeds() {
    }

    /** The seed of variant {@code index} of a run seeded with {@code seed}. */
    static long forVariant(long seed, long index) {
        // Weyl step then mix, as SplitMix64 does, spelled out so seeds never change with the JDK.
        return mix(seed + (index + 1) * 0x9e3779b97f4a7c15L);
    }

    /** A fresh generator for the value at {@code path} of the variant seeded with {@code variantSeed}. */
    static Random forPath(long variantSeed, String path) {
        return new Random(mix(variantSeed ^ mix(fnv1a(path))));
    }

    /** 64-bit FNV-1a: unlike String.hashCode it doesn't make "Aa" and "BB" collide. */
    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** SplitMix64's finalizer, so nearby inputs give unrelated seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
