package dev.raylightning.core.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

/**
 * Which of the project's classes use which, read from compiled classes with the JDK's
 * {@code jdeps}; nested classes count as their top-level class. Finds circles (strongly connected
 * components) between classes and between packages.
 */
public final class DependencyGraph {

    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)");

    private final Map<String, Set<String>> edges;

    private DependencyGraph(Map<String, Set<String>> edges) {
        this.edges = edges;
    }

    /** The graph of the classes under {@code classesDir} whose names start with {@code prefix}. */
    public static DependencyGraph of(Path classesDir, String prefix) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new IllegalStateException("no jdeps"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:class", "-filter:none",
                classesDir.toString());
        if (rc != 0) {
            throw new IllegalStateException("jdeps failed (" + rc + "): " + err);
        }
        Map<String, Set<String>> edges = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && m.group(1).startsWith(prefix) && m.group(2).startsWith(prefix)) {
                String from = topLevel(m.group(1));
                String to = topLevel(m.group(2));
                if (!from.equals(to)) {
                    edges.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
                }
            }
        }
        return new DependencyGraph(edges);
    }

    private static String topLevel(String className) {
        int dollar = className.indexOf('$');
        return dollar < 0 ? className : className.substring(0, dollar);
    }

    public static String packageOf(String className) {
        return className.substring(0, className.lastIndexOf('.'));
    }

    /** How many classes the graph knows. */
    public int size() {
        Set<String> all = new TreeSet<>(edges.keySet());
        edges.values().forEach(all::addAll);
        return all.size();
    }

    /** Circles of classes that span more than one package. */
    public List<Set<String>> classCirclesAcrossPackages() {
        List<Set<String>> out = new ArrayList<>();
        for (Set<String> c : components(edges)) {
            if (c.stream().map(DependencyGraph::packageOf).distinct().count() > 1) {
                out.add(c);
            }
        }
        return out;
    }

    /** Circles of packages, each package first mapped by {@code group} (e.g. to merge a layer). */
    public List<Set<String>> packageCircles(Function<String, String> group) {
        Map<String, Set<String>> packages = new TreeMap<>();
        edges.forEach((from, tos) -> {
            String a = group.apply(packageOf(from));
            for (String to : tos) {
                String b = group.apply(packageOf(to));
                if (!a.equals(b)) {
                    packages.computeIfAbsent(a, k -> new TreeSet<>()).add(b);
                }
            }
        });
        return components(packages);
    }

    /** Tarjan's strongly connected components with more than one member. */
    private static List<Set<String>> components(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] counter = {0};
        Set<String> nodes = new TreeSet<>(graph.keySet());
        graph.values().forEach(nodes::addAll);
        for (String n : nodes) {
            if (!index.containsKey(n)) {
                connect(n, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
            Map<String, Integer> low, Deque<String> stack, Set<String> onStack, List<Set<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> component = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                out.add(component);
            }
        }
    }
}
