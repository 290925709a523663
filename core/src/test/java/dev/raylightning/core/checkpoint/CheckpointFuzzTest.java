package dev.raylightning.core.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs {@link CheckpointFuzz} in a JVM of its own with a 256 MiB heap: more than a thousand seeded
 * mutations of a real checkpoint (truncations, byte flips, ZIP header edits, edited index values
 * and types, negative and huge shapes, inflated entries and lying sizes) must each be refused with
 * a {@link CheckpointException} that changes nothing, or be accepted as the valid checkpoint they
 * still are; never another exception, never an OutOfMemoryError.
 */
class CheckpointFuzzTest {

    private static final long SEED = 20240611L;
    private static final Pattern SUMMARY = Pattern.compile(
            "FUZZ seed=\\d+ mutations=(\\d+) refused=(\\d+) accepted=(\\d+) failures=(\\d+) heapMiB=(\\d+)");

    @TempDir
    Path dir;

    @Test
    void everyMutationIsRefusedCleanlyOrAcceptedAsValidUnderA256MiBHeap() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-Xss4m", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=error", "-cp", System.getProperty("java.class.path"),
                CheckpointFuzz.class.getName(), dir.toString(), String.valueOf(SEED))
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "fuzz run did not finish");
        String output = new String(out, StandardCharsets.UTF_8);
        System.out.println(output);
        assertEquals(0, p.exitValue(), output);
        Matcher m = SUMMARY.matcher(output);
        assertTrue(m.find(), output);
        int mutations = Integer.parseInt(m.group(1));
        int refused = Integer.parseInt(m.group(2));
        int accepted = Integer.parseInt(m.group(3));
        assertEquals(0, Integer.parseInt(m.group(4)), output);
        assertTrue(Integer.parseInt(m.group(5)) <= 256, "ran with at most 256 MiB of heap: " + m.group(5));
        assertTrue(mutations >= 1000, "at least 1000 mutations: " + mutations);
        assertEquals(mutations, refused + accepted, "every mutation either refused or accepted");
        assertTrue(refused >= 0.85 * mutations, "refusals are the vast majority: " + refused + " of " + mutations);
        assertTrue(accepted >= 1, "the unchanged checkpoint is accepted");
    }
}
