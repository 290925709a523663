package dev.raylightning.tune.search;

import dev.raylightning.tune.TrialConfig;

import java.io.Serializable;
import java.util.Random;

/**
 * Computes one value of a trial's config from the values resolved so far, as Ray's
 * {@code tune.sample_from}. Serializable, so a space holding one can travel to other JVMs; a
 * lambda is serializable when what it captures is.
 */
@FunctionalInterface
public interface SampleFunction extends Serializable {

    /**
     * @param resolvedSoFar the trial's config: every constant and sampled value, and the
     *                      {@code sampleFrom} values resolved before this one. Read it with the
     *                      throwing getters ({@code getInt}, {@code get}, ...): reading a value
     *                      not resolved yet then throws, and the function is called again once
     *                      more values are resolved
     * @param rng           randomness for this value, seeded from the generator's seed
     * @return a constant: a number, string, boolean, enum, null, or a list or map of those
     */
    Object sample(TrialConfig resolvedSoFar, Random rng);
}
