package dev.raylightning.tune.search;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a frozen space into the list of its grid variants: copies of the space in which every
 * {@link GridSearch} is replaced by one of its values, random domains left in place.
 *
 * <p>Order: the grid keys of a map, in the map's key order (nested maps depth first), count like
 * an odometer turned backwards: the first grid key varies fastest, as in Ray's basic variant
 * generator. A grid whose values hold grids lists each value's own variants in turn.
 */
final class GridExpander {

    private GridExpander() {
    }

    /** How many variants {@code value} expands to; throws if that doesn't fit in a long. */
    static long count(Object value) {
        if (value instanceof Map<?, ?> m) {
            long n = 1;
            for (Object child : m.values()) {
                n = Math.multiplyExact(n, count(child));
            }
            return n;
        }
        if (value instanceof GridSearch g) {
            long n = 0;
            for (Object v : g.values()) {
                n = Math.addExact(n, count(v));
            }
            return n;
        }
        return 1;
    }

    /** The grid variants of {@code value}, in the order described above. */
    static List<Object> expand(Object value) {
        if (value instanceof GridSearch g) {
            List<Object> out = new ArrayList<>();
            for (Object v : g.values()) {
                out.addAll(expand(v));
            }
            return out;
        }
        if (value instanceof Map<?, ?> m && count(m) > 1) {
            return expandMap(m);
        }
        return Collections.singletonList(value);   // no grid below: the value itself
    }

    private static List<Object> expandMap(Map<?, ?> m) {
        List<String> keys = new ArrayList<>();
        List<List<Object>> choices = new ArrayList<>();
        long total = 1;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            keys.add((String) e.getKey());
            List<Object> variants = expand(e.getValue());
            choices.add(variants);
            total = Math.multiplyExact(total, variants.size());
        }
        List<Object> out = new ArrayList<>(Math.toIntExact(total));
        for (long index = 0; index < total; index++) {
            // Mixed-radix digits of index, least significant first: the first key turns fastest.
            Map<String, Object> variant = new LinkedHashMap<>();
            long rest = index;
            for (int k = 0; k < keys.size(); k++) {
                List<Object> c = choices.get(k);
                variant.put(keys.get(k), c.get((int) (rest % c.size())));
                rest /= c.size();
            }
            out.add(Collections.unmodifiableMap(variant));
        }
        return out;
    }
}
