package dev.raylightning.tune.search;

import dev.raylightning.tune.TrialConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ray Tune's basic variant generation: turns a {@link SearchSpace} into trial configs.
 *
 * <ul>
 *   <li>The grid (the cross product of every {@link GridSearch}) is repeated {@code numSamples}
 *       times: {@code space.gridSize() * numSamples} configs in all.</li>
 *   <li>Order: all grid variants of sample 0, then those of sample 1, and so on. Within a sample
 *       the <b>first grid key varies fastest</b> (as in Ray): for {@code a: gridSearch(1, 2)},
 *       {@code b: gridSearch("x", "y")} the order is (1,x), (2,x), (1,y), (2,y). Keys count in
 *       the space's key order, nested maps depth first; a grid whose values hold grids lists each
 *       value's variants in turn.</li>
 *   <li>Each config samples its random domains on its own, then resolves its
 *       {@link SampleFrom} values (see {@link SampleFunction}).</li>
 *   <li>Each config keeps the space's key order.</li>
 *   <li>Deterministic: the same space, {@code numSamples} and {@code seed} give the same configs,
 *       across JVMs too when the space's maps iterate in a fixed order (e.g. {@code LinkedHashMap};
 *       {@code Map.of} doesn't).</li>
 * </ul>
 */
public final class VariantGenerator {

    /** The most configs one call returns: a Java list's limit. */
    static final long MAX_VARIANTS = Integer.MAX_VALUE - 8;

    private VariantGenerator() {
    }

    /**
     * The trial configs of {@code space}, as described in the class comment.
     *
     * @param numSamples how many times to repeat the grid (Ray's {@code num_samples}), at least 1
     * @param seed       seeds every random value
     * @throws IllegalArgumentException if {@code numSamples < 1}, the configs would be too many,
     *                                  or a sampleFrom value can't be resolved (naming its path)
     */
    public static List<TrialConfig> generate(SearchSpace space, int numSamples, long seed) {
        if (space == null) {
            throw new IllegalArgumentException("generate: space must not be null");
        }
        if (numSamples < 1) {
            throw new IllegalArgumentException("generate: numSamples must be >= 1, got " + numSamples);
        }
        long total;
        try {
            total = Math.multiplyExact(space.gridSize(), (long) numSamples);
        } catch (ArithmeticException e) {
            total = Long.MAX_VALUE;
        }
        if (total > MAX_VARIANTS) {
            throw new IllegalArgumentException("generate: " + space.gridSize() + " grid variants x " + numSamples
                    + " samples is more configs than a list can hold");
        }
        List<Object> grid = GridExpander.expand(space.asMap());
        List<TrialConfig> out = new ArrayList<>((int) total);
        for (int sample = 0; sample < numSamples; sample++) {
            for (Object variant : grid) {
                out.add(resolve((Map<?, ?>) variant, Seeds.forVariant(seed, out.size())));
            }
        }
        return out;
    }

    /** One config: random domains first, then the sampleFrom values that may read them. */
    private static TrialConfig resolve(Map<?, ?> variant, long variantSeed) {
        Map<String, SampleFrom> pending = new LinkedHashMap<>();
        Map<String, Object> tree = VariantSampler.sample(variant, variantSeed, pending);
        SampleFromResolver.resolve(tree, variantSeed, pending);
        return TrialConfig.of(tree);
    }
}
