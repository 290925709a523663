package dev.raylightning.examples;

import dev.raylightning.strategies.cluster.RayDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a user sees on the console when running the README's example as its own JVM: our lines
 * from the first one on (no logging set-up noise, no native Ray INFO lines) and errors as one
 * message rather than a stack trace.
 */
class ExampleConsoleTest {

    /** Our log lines: time, level, short logger name (the examples' simplelogger.properties). */
    private static final Pattern OUR_LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d (INFO|WARN) \\w+ - .*");

    @TempDir
    Path root;

    private record Run(int exitCode, List<String> lines) {}

    private Run runExample(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss4m", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1"));
        command.addAll(RayDriver.ADD_OPENS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FashionMnistExample.class.getName()));
        command.addAll(List.of(args));
        Path out = root.resolve("console.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(4, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the example did not finish in 4 minutes:\n" + Files.readString(out));
        }
        return new Run(p.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theReadmeExamplePrintsOnlyOurLines() throws Exception {
        Run run = runExample("--epochs", "1", "--batch-size", "256", "--root-dir", root.toString());
        String all = String.join("\n", run.lines());
        assertEquals(0, run.exitCode(), all);
        assertTrue(OUR_LOG_LINE.matcher(run.lines().get(0)).matches(), "first line: " + run.lines().get(0));
        int summary = run.lines().indexOf(run.lines().stream().filter(l -> l.startsWith("fit with")).findFirst()
                .orElseThrow(() -> new AssertionError("no summary line:\n" + all)));
        for (String line : run.lines().subList(0, summary)) {
            assertTrue(OUR_LOG_LINE.matcher(line).matches(), "not one of our lines: " + line + "\n" + all);
        }
        for (String noise : List.of("XmlConfiguration", "BuiltConfiguration", "gcs_client", "logging.cc")) {
            assertFalse(all.contains(noise), noise + " on the console:\n" + all);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void missingDataIsOneMessageNamingTheFetchCommand() throws Exception {
        Run run = runExample("--strategy", "single", "--data", root.resolve("nothing-here").toString());
        String all = String.join("\n", run.lines());
        assertEquals(1, run.exitCode(), all);
        assertTrue(run.lines().get(0).startsWith("fashion-mnist: Fashion-MNIST is missing"), all);
        assertTrue(all.contains("scripts/fetch-data.sh"), all);
        assertFalse(all.contains("\tat "), "a stack trace:\n" + all);
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aBadArgumentIsOneMessageWithTheUsageExitCode() throws Exception {
        Run run = runExample("--workers", "0");
        String all = String.join("\n", run.lines());
        assertEquals(2, run.exitCode(), all);
        assertEquals("fashion-mnist: numWorkers must be >= 1, got 0", run.lines().get(0), all);
        assertFalse(all.contains("\tat "), "a stack trace:\n" + all);
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aTimelineGoesWithHorovodOnly() throws Exception {
        Run run = runExample("--strategy", "single", "--timeline", root.resolve("t.json").toString());
        String all = String.join("\n", run.lines());
        assertEquals(2, run.exitCode(), all);
        assertEquals("--timeline goes with --strategy horovod, got --strategy single",
                run.lines().get(0), all);
    }
}
