package dev.raylightning.tune.search;

import java.io.Serializable;

/**
 * A value of a search space that is not fixed: a distribution to sample
 * ({@link RandomDomain}), a list of values to try each of ({@link GridSearch}), or a function of
 * the other values ({@link SampleFrom}). Made with the factories of {@link SearchSpace}; each
 * checks its arguments when made, and {@code toString()} reads like the factory call
 * ({@code loguniform(0.0001, 0.1)}).
 */
public sealed interface Domain extends Serializable permits RandomDomain, GridSearch, SampleFrom {
}
