package dev.raylightning.tune.search;

import java.util.Random;

/** A distribution that each trial samples on its own. */
public sealed interface RandomDomain extends Domain
        permits Choice, Uniform, QUniform, LogUniform, QLogUniform, RandInt, QRandInt, RandN {

    /**
     * One sample: a {@code Double} for continuous distributions, a {@code Long} for integer ones,
     * one of the options for {@link Choice}.
     */
    Object sample(Random rng);
}
