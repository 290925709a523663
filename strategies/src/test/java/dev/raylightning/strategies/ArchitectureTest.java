package dev.raylightning.strategies;

import dev.raylightning.core.testing.DependencyGraph;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strategies' layers: strategies on the launcher on the cluster plumbing, with no circle. */
class ArchitectureTest {

    private static final DependencyGraph GRAPH = DependencyGraph.of(Path.of("target", "classes"),
            "dev.raylightning.strategies");

    @Test
    void noCircleOfClassesOrPackages() {
        assertTrue(GRAPH.size() > 25, "read the compiled classes: " + GRAPH.size());
        assertEquals(List.of(), GRAPH.classCirclesAcrossPackages());
        assertEquals(List.of(), GRAPH.packageCircles(Function.identity()));
    }
}
