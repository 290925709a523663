package dev.raylightning.tune.search;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Samples the random domains of one grid variant into a fresh, mutable config tree. Each
 * {@link SampleFrom} stays in the tree as a placeholder and is listed for
 * {@link SampleFromResolver}, which runs once every other value is known.
 */
final class VariantSampler {

    private final long variantSeed;
    private final Map<String, SampleFrom> pending = new LinkedHashMap<>();

    private VariantSampler(long variantSeed) {
        this.variantSeed = variantSeed;
    }

    /**
     * @param template    a grid variant: no {@link GridSearch} left in it
     * @param variantSeed seeds each domain through {@link Seeds#forPath}
     * @param pendingOut  receives the sampleFrom values by dotted path, in key order
     */
    static Map<String, Object> sample(Map<?, ?> template, long variantSeed, Map<String, SampleFrom> pendingOut) {
        VariantSampler s = new VariantSampler(variantSeed);
        Map<String, Object> tree = s.sampleMap(template, "");
        pendingOut.putAll(s.pending);
        return tree;
    }

    private Map<String, Object> sampleMap(Map<?, ?> m, String path) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = (String) e.getKey();
            out.put(key, sampleValue(e.getValue(), SpaceValues.child(path, key)));
        }
        return out;
    }

    private Object sampleValue(Object v, String path) {
        if (v instanceof Map<?, ?> m) {
            return sampleMap(m, path);
        }
        if (v instanceof RandomDomain d) {
            return d.sample(Seeds.forPath(variantSeed, path));
        }
        if (v instanceof SampleFrom f) {
            pending.put(path, f);
            return f;
        }
        if (v instanceof GridSearch g) {
            throw new IllegalStateException("grid at '" + path + "' was not expanded: " + g);
        }
        return v;   // a frozen constant, safe to share between variants
    }
}
