package dev.raylightning.tune.search;

import dev.raylightning.tune.TrialConfig;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A hyper-parameter search space, Ray Tune's {@code param_space}: a nested map whose values are
 * constants, nested maps, or {@link Domain}s made by this class's factories.
 *
 * <pre>{@code
 * import static dev.raylightning.tune.search.SearchSpace.*;
 *
 * Map<String, Object> m = new LinkedHashMap<>();
 * m.put("lr", loguniform(1e-4, 1e-1));
 * m.put("batch_size", choice(32, 64, 128));
 * m.put("model", Map.of("hidden", gridSearch(64, 128)));
 * m.put("warmup", sampleFrom((cfg, rng) -> cfg.getInt("batch_size") * 10));
 * SearchSpace space = SearchSpace.of(m);
 * List<TrialConfig> trials = space.generate(4, 42);   // 2 grid values x 4 samples = 8 configs
 * }</pre>
 *
 * <p>Key order matters (it is the configs' key order and the grid's order), so build spaces with
 * more than one key from ordered maps such as {@code LinkedHashMap}; {@code Map.of} has none.
 * Immutable and serializable. {@link VariantGenerator} describes how configs are made.
 * Integer domains give {@code Long}s and continuous ones {@code Double}s; constants and choice
 * options come out as given, so {@link TrialConfig#getInt} works on whole numbers.
 */
public final class SearchSpace implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Map<String, Object> space;
    private final long gridSize;

    private SearchSpace(Map<String, Object> space, long gridSize) {
        this.space = space;
        this.gridSize = gridSize;
    }

    /**
     * A search space from a nested map (copied and checked, keys kept in the map's order). Values
     * may be numbers, strings, booleans, enums, null, lists of those, nested maps (any depth), or
     * {@link Domain}s.
     *
     * @throws IllegalArgumentException naming the dotted key path of a value of an unsupported
     *                                  class, a domain inside a list, or a null, empty or dotted key
     */
    public static SearchSpace of(Map<String, ?> space) {
        if (space == null) {
            throw new IllegalArgumentException("SearchSpace.of: space must not be null");
        }
        Map<String, Object> frozen = SpaceValues.space("SearchSpace.of").freezeMap(space, "");
        long size;
        try {
            size = GridExpander.count(frozen);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("SearchSpace.of: the grid has more than " + Long.MAX_VALUE + " variants");
        }
        return new SearchSpace(frozen, size);
    }

    /** The space with no keys: each trial gets an empty config. */
    public static SearchSpace empty() {
        return new SearchSpace(Map.of(), 1);
    }

    /** The number of grid variants: the product of the grids' lengths, 1 when there is no grid. */
    public long gridSize() {
        return gridSize;
    }

    /** Whether the space has no keys. */
    public boolean isEmpty() {
        return space.isEmpty();
    }

    /** The checked space as an immutable nested map, domains in place (for search algorithms). */
    public Map<String, Object> asMap() {
        return space;
    }

    /** Shorthand for {@link VariantGenerator#generate(SearchSpace, int, long)}. */
    public List<TrialConfig> generate(int numSamples, long seed) {
        return VariantGenerator.generate(this, numSamples, seed);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SearchSpace s && space.equals(s.space);
    }

    @Override
    public int hashCode() {
        return space.hashCode();
    }

    /** The nested map with each domain shown as its factory call, e.g. {@code {lr=loguniform(0.0001, 0.1)}}. */
    @Override
    public String toString() {
        return space.toString();
    }

    // ---- Factories: one per Ray Tune sampling function. Each checks its arguments now. ----

    /**
     * One of {@code options}, each equally likely (Ray's {@code tune.choice}). Options are
     * constants, returned as given. To choose among lists, pass the lists:
     * {@code choice(List.of(1, 2), List.of(3))}; a single list argument is the list of options.
     */
    public static Choice choice(Object... options) {
        return new Choice(options == null ? null : Arrays.asList(options));
    }

    /** One of {@code options}, each equally likely (Ray's {@code tune.choice}). */
    public static Choice choice(List<?> options) {
        return new Choice(options == null ? null : new ArrayList<>(options));
    }

    /** A double uniform in [lo, hi) (Ray's {@code tune.uniform}). */
    public static Uniform uniform(double lo, double hi) {
        return new Uniform(lo, hi);
    }

    /**
     * A double uniform in [lo, hi] rounded to a multiple of {@code q} (Ray's
     * {@code tune.quniform}); {@code lo} and {@code hi} must be multiples of {@code q}.
     */
    public static QUniform quniform(double lo, double hi, double q) {
        return new QUniform(lo, hi, q);
    }

    /** A double in [lo, hi] with a uniform logarithm (Ray's {@code tune.loguniform}); needs {@code 0 < lo < hi}. */
    public static LogUniform loguniform(double lo, double hi) {
        return new LogUniform(lo, hi);
    }

    /**
     * A log-uniform double in [lo, hi] rounded to a multiple of {@code q} (Ray's
     * {@code tune.qloguniform}); {@code lo} and {@code hi} must be multiples of {@code q}.
     */
    public static QLogUniform qloguniform(double lo, double hi, double q) {
        return new QLogUniform(lo, hi, q);
    }

    /** A {@code Long} uniform in [lo, hi), {@code hi} excluded (Ray's {@code tune.randint}). */
    public static RandInt randint(long lo, long hi) {
        return new RandInt(lo, hi);
    }

    /**
     * A {@code Long} uniform over the multiples of {@code q} in [lo, hi], {@code hi} included
     * (Ray's {@code tune.qrandint}); see {@link QRandInt} for how it differs from Ray's rounding.
     */
    public static QRandInt qrandint(long lo, long hi, long q) {
        return new QRandInt(lo, hi, q);
    }

    /** A normal double with the given mean and standard deviation (Ray's {@code tune.randn}). */
    public static RandN randn(double mean, double sd) {
        return new RandN(mean, sd);
    }

    /**
     * Every one of {@code values}, each in its own trial (Ray's {@code tune.grid_search}). Values
     * may be constants, lists of constants, nested maps or domains. A single list argument is the
     * list of values; to grid over lists, pass them: {@code gridSearch(List.of(1, 2), List.of(3))}.
     */
    public static GridSearch gridSearch(Object... values) {
        return new GridSearch(values == null ? null : Arrays.asList(values));
    }

    /** Every one of {@code values}, each in its own trial (Ray's {@code tune.grid_search}). */
    public static GridSearch gridSearch(List<?> values) {
        return new GridSearch(values == null ? null : new ArrayList<>(values));
    }

    /**
     * A value computed per trial from the trial's other values, after all of them are sampled
     * (Ray's {@code tune.sample_from}): {@code sampleFrom((cfg, rng) -> cfg.getInt("a") * 2)}.
     * Functions may read other sampleFrom values; see {@link SampleFunction}.
     */
    public static SampleFrom sampleFrom(SampleFunction function) {
        return new SampleFrom(function);
    }
}
