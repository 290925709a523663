package dev.raylightning.tune.search;

import dev.raylightning.tune.TrialConfig;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the {@link SampleFrom} values of one variant, after every other value is known.
 *
 * <p>A function sees the config without the sampleFrom values still unresolved, so reading one
 * of those throws. Passes run over the unresolved values in key order and retry those that
 * threw, as Ray does, until a pass resolves nothing new. Then each value left either failed on
 * its own (reported with its exception) or read another value left (reported as a cycle). The
 * loop ends after at most as many passes as there are sampleFrom values.
 */
final class SampleFromResolver {

    private final Map<String, Object> tree;
    private final long variantSeed;
    private final Map<String, SampleFrom> pending;
    private TrialConfig resolvedSoFar;

    private SampleFromResolver(Map<String, Object> tree, long variantSeed, Map<String, SampleFrom> pending) {
        this.tree = tree;
        this.variantSeed = variantSeed;
        this.pending = new LinkedHashMap<>(pending);
    }

    /**
     * Replaces each placeholder of {@code pending} in {@code tree} by its function's value.
     *
     * @throws IllegalArgumentException naming the key path, when a function fails or the
     *                                  functions read each other in a cycle
     */
    static void resolve(Map<String, Object> tree, long variantSeed, Map<String, SampleFrom> pending) {
        new SampleFromResolver(tree, variantSeed, pending).run();
    }

    private void run() {
        Map<String, Exception> failures = new LinkedHashMap<>();
        boolean progress = true;
        while (!pending.isEmpty() && progress) {
            progress = false;
            failures.clear();
            for (Iterator<Map.Entry<String, SampleFrom>> it = pending.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, SampleFrom> e = it.next();
                String path = e.getKey();
                Object value;
                try {
                    // A fresh stream per try, so a retried function sees the same randomness.
                    value = e.getValue().function().sample(resolvedSoFar(), Seeds.forPath(variantSeed, path));
                } catch (Exception ex) {
                    failures.put(path, ex);
                    continue;
                }
                String context = "sampleFrom at '" + path + "' returned an unsupported value";
                assign(path, SpaceValues.constants(context).freeze(value, path));
                it.remove();
                progress = true;
            }
        }
        if (!pending.isEmpty()) {
            throw new FailureReport(failures, List.copyOf(pending.keySet())).toException();
        }
    }

    /** The config as far as it is resolved: the tree without its placeholders. */
    private TrialConfig resolvedSoFar() {
        if (resolvedSoFar == null) {
            resolvedSoFar = TrialConfig.of(withoutPlaceholders(tree));
        }
        return resolvedSoFar;
    }

    private static Map<String, Object> withoutPlaceholders(Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            Object v = e.getValue();
            if (v instanceof SampleFrom) {
                continue;
            }
            out.put((String) e.getKey(), v instanceof Map<?, ?> inner ? withoutPlaceholders(inner) : v);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private void assign(String path, Object value) {
        String[] parts = path.split("\\.");
        Map<String, Object> parent = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            parent = (Map<String, Object>) parent.get(parts[i]);
        }
        parent.put(parts[parts.length - 1], value);
        resolvedSoFar = null;
    }

    /** Explains why the values left could not be resolved. */
    private record FailureReport(Map<String, Exception> failures, List<String> left) {

        IllegalArgumentException toException() {
            // A value that failed without reading another value left is a root cause: report it.
            for (String path : left) {
                if (reads(path).isEmpty()) {
                    Exception cause = failures.get(path);
                    List<String> others = new ArrayList<>(left);
                    others.remove(path);
                    return new IllegalArgumentException("sampleFrom at '" + path + "' failed: " + describe(cause)
                            + (others.isEmpty() ? "" : "; also left unresolved: " + others), cause);
                }
            }
            // Every value left reads another one left, so following the reads must loop.
            List<String> chain = new ArrayList<>();
            String at = left.get(0);
            while (!chain.contains(at)) {
                chain.add(at);
                at = reads(at).get(0);
            }
            List<String> cycle = new ArrayList<>(chain.subList(chain.indexOf(at), chain.size()));
            cycle.add(at);
            Exception cause = failures.get(cycle.get(0));
            return new IllegalArgumentException("sampleFrom values read each other in a cycle: '"
                    + String.join("' -> '", cycle) + "'; at '" + cycle.get(0) + "': " + describe(cause), cause);
        }

        /**
         * The values left that {@code path}'s function tried to read. TrialConfig's getters quote
         * the missing path in their message, which is the only trace a read leaves.
         */
        private List<String> reads(String path) {
            List<String> out = new ArrayList<>();
            for (String other : left) {
                Throwable t = failures.get(path);
                for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {   // causes may loop
                    String msg = t.getMessage();
                    if (msg != null && (msg.contains("'" + other + "'") || msg.contains("'" + other + "."))) {
                        out.add(other);
                        break;
                    }
                }
            }
            return out;
        }

        private static String describe(Throwable t) {
            return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        }
    }
}
