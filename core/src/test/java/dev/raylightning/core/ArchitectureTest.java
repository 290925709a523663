package dev.raylightning.core;

import dev.raylightning.core.testing.DependencyGraph;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The structure docs/architecture.md describes, checked on the compiled classes and the sources:
 * no circle of classes across packages, packages layered below the Lightning API, small classes.
 */
class ArchitectureTest {

    /**
     * The user-facing Lightning API: Trainer and LightningModule, the callbacks that receive them,
     * and the loops behind Trainer. They refer to each other by design (a Callback gets the
     * module, the Trainer adds default callbacks); every other package sits below them.
     */
    private static final Set<String> LIGHTNING_API = Set.of("dev.raylightning.core", "dev.raylightning.core.callbacks",
            "dev.raylightning.core.loops");

    private static final DependencyGraph CORE = DependencyGraph.of(Path.of("target", "classes"), "dev.raylightning.");

    @Test
    void noCircleOfClassesCrossesAPackage() {
        assertTrue(CORE.size() > 80, "read the compiled classes: " + CORE.size());
        assertEquals(List.of(), CORE.classCirclesAcrossPackages());
    }

    @Test
    void everyPackageBelowTheLightningApiIsLayered() {
        assertEquals(List.of(), CORE.packageCircles(p -> LIGHTNING_API.contains(p) ? "Lightning API" : p));
    }

    @Test
    void classesStaySmall() throws IOException {
        List<String> tooLong = new ArrayList<>();
        for (String module : List.of("core", "strategies", "tune")) {
            Path sources = Path.of("..", module, "src", "main", "java");
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    long lines = lines(f);
                    if (lines > 450) {
                        tooLong.add(f + ": " + lines);
                    }
                }
            }
        }
        assertEquals(List.of(), tooLong, "no class over 450 lines in core, strategies or tune");
        assertTrue(lines(Path.of("src/main/java/dev/raylightning/core/Trainer.java")) < 400, "Trainer is a facade");
        Path strategies = Path.of("..", "strategies", "src", "main", "java", "dev", "raylightning", "strategies");
        long ddp = lines(strategies.resolve("RayDdpStrategy.java")) + lines(strategies.resolve("DdpWorkerStrategy.java"));
        assertTrue(ddp < 250, "RayDdpStrategy and its worker-side policy are a small composition: " + ddp);
    }

    private static long lines(Path f) throws IOException {
        try (Stream<String> s = Files.lines(f)) {
            return s.count();
        }
    }
}
