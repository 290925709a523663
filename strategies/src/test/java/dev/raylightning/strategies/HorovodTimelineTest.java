package dev.raylightning.strategies;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.horovod.Compression;
import dev.raylightning.strategies.horovod.Reduction;
import dev.raylightning.strategies.testing.ThreadRanksStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** HorovodRayStrategy's timeline, recorded by Horovod's policy on thread ranks and merged by its driver side. */
class HorovodTimelineTest {

    /** TinyClassifier's trainable parameters: two weights, two biases. */
    private static final int GRADIENTS = 4;

    @TempDir
    Path root;

    private Trainer fit(HorovodRayStrategy hvd, List<List<Serializable>> reports) {
        ThreadRanksStrategy ranks = new ThreadRanksStrategy(2, hvd.workerStrategyFactory(), r -> {
            reports.add(r);
            hvd.onWorkerReports(r);
        });
        Trainer t = Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false)
                .enableCheckpointing(false).seed(3).maxEpochs(2).strategy(ranks).build();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            t.fit(m, HorovodStrategyTest.data(30));
            assertEquals(TrainerStatus.FINISHED, t.status());
        }
        return t;
    }

    /** One X event of the trace. */
    record Event(String name, String cat, int pid, long ts, long dur, JsonObject args) {
        boolean inside(Event outer) {
            return pid == outer.pid && ts >= outer.ts && ts + dur <= outer.ts + outer.dur;
        }
    }

    static List<Event> events(JsonObject trace) {
        List<Event> out = new ArrayList<>();
        for (JsonElement e : trace.getAsJsonArray("traceEvents")) {
            JsonObject o = e.getAsJsonObject();
            if (o.get("ph").getAsString().equals("X")) {
                out.add(new Event(o.get("name").getAsString(), o.get("cat").getAsString(), o.get("pid").getAsInt(),
                        o.get("ts").getAsLong(), o.get("dur").getAsLong(), o.getAsJsonObject("args")));
            }
        }
        return out;
    }

    /** The checks every timeline passes: each rank has every step, and everything else nests in one. */
    static Map<Event, List<Event>> assertWholeSteps(JsonObject trace, int ranks, long steps) {
        List<Event> all = events(trace);
        Map<Event, List<Event>> byStep = new HashMap<>();
        for (int r = 0; r < ranks; r++) {
            int rank = r;
            List<Event> rankSteps = all.stream().filter(e -> e.pid == rank && e.cat.equals("step")).toList();
            assertEquals(steps, rankSteps.size(), "rank " + r + " has every step");
            for (int k = 0; k < rankSteps.size(); k++) {
                assertEquals(k, rankSteps.get(k).args.get("step").getAsInt(), "steps in order");
                byStep.put(rankSteps.get(k), new ArrayList<>());
            }
        }
        for (Event e : all) {
            if (!e.cat.equals("step")) {
                List<Event> outer = byStep.keySet().stream().filter(e::inside).toList();
                assertEquals(1, outer.size(), e + " nests inside one step of its rank");
                byStep.get(outer.get(0)).add(e);
            }
        }
        assertTrue(byStep.keySet().stream().anyMatch(s -> s.pid == 0) && byStep.keySet().stream()
                .anyMatch(s -> s.pid == ranks - 1));
        List<String> names = new ArrayList<>();
        for (JsonElement e : trace.getAsJsonArray("traceEvents")) {
            JsonObject o = e.getAsJsonObject();
            if (o.get("name").getAsString().equals("process_name")) {
                names.add(o.getAsJsonObject("args").get("name").getAsString());
            }
        }
        List<String> expected = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            expected.add("rank " + r);
        }
        assertEquals(expected, names, "one process named per rank");
        return byStep;
    }

    static JsonObject read(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static long count(List<Event> events, String name) {
        return events.stream().filter(e -> e.name.equals(name)).count();
    }

    private static int tensors(List<Event> events, String name) {
        return events.stream().filter(e -> e.name.equals(name)).mapToInt(e -> e.args.get("tensors").getAsInt()).sum();
    }

    @ParameterizedTest
    @CsvSource({"AVERAGE, FP16", "ADASUM, NONE"})
    void everyRankRecordsEveryStepWithItsCollectivesNestedInside(Reduction reduction, Compression compression)
            throws IOException {
        Path file = root.resolve("traces/timeline.json");
        // 200 bytes: the gradients travel in several fusion buffers per step
        HorovodRayStrategy hvd = HorovodRayStrategy.builder(2).reduction(reduction).compression(compression)
                .fusionThresholdMb(200.0 / (1 << 20)).timeline(file).build();
        Trainer t = fit(hvd, new ArrayList<>());
        JsonObject trace = read(file); Files.copy(file, Path.of("/tmp/tl-" + reduction + ".json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals("ms", trace.get("displayTimeUnit").getAsString());
        assertEquals(0, trace.getAsJsonObject("otherData").get("droppedEvents").getAsLong());
        Map<Event, List<Event>> byStep = assertWholeSteps(trace, 2, t.globalStep());
        for (List<Event> inner : byStep.values()) {
            assertEquals(1, count(inner, "WAIT_FOR_RANKS"));
            assertEquals(count(inner, "MEMCPY_IN_FUSION_BUFFER"), count(inner, "MEMCPY_OUT_FUSION_BUFFER"));
            assertTrue(count(inner, "MEMCPY_IN_FUSION_BUFFER") >= 2, "several fusion buffers: " + inner);
            if (reduction == Reduction.ADASUM) {
                assertEquals(GRADIENTS, tensors(inner, "ALLGATHER"), "every gradient gathered once a step");
                assertEquals(count(inner, "ALLGATHER"), count(inner, "ADASUM_COMBINE"));
                assertEquals(0, count(inner, "ALLREDUCE"));
            } else {
                assertEquals(GRADIENTS, tensors(inner, "ALLREDUCE"), "every gradient reduced once a step");
                for (Event e : inner) {
                    if (e.name.equals("ALLREDUCE")) {
                        assertEquals("FLOAT16", e.args.get("wire").getAsString());
                        assertEquals("AVG", e.args.get("op").getAsString());
                        assertEquals(e.args.get("bytes").getAsLong() / 2, e.args.get("wireBytes").getAsLong());
                    }
                }
            }
        }
    }

    @Test
    void validateLeavesTheFitsTimelineAndNoTimelineReportsNothing() throws IOException {
        Path file = root.resolve("timeline.json");
        HorovodRayStrategy hvd = HorovodRayStrategy.builder(2).timeline(file).build();
        ThreadRanksStrategy ranks = new ThreadRanksStrategy(2, hvd.workerStrategyFactory(), hvd::onWorkerReports);
        Trainer t = Trainer.builder().defaultRootDir(root).enableProgressBar(false).logger(false)
                .enableCheckpointing(false).seed(3).maxEpochs(1).strategy(ranks).build();
        try (TinyClassifier m = new TinyClassifier(16, 0.1, "sgd")) {
            t.fit(m, RayDdpStrategyTest.data(32));
            byte[] afterFit = Files.readAllBytes(file);
            t.validate(m, RayDdpStrategyTest.data(32));
            assertArrayEquals(afterFit, Files.readAllBytes(file), "validate takes no step: the fit's trace stays");
        }

        List<List<Serializable>> reports = new ArrayList<>();
        fit(HorovodRayStrategy.builder(2).build(), reports);
        assertEquals(List.of(Arrays.asList(null, null)), reports, "without a timeline the ranks report nothing");
    }

    @Test
    void aTraceThatCannotBeWrittenLeavesTheFitSuccessful() throws IOException {
        Path file = root.resolve("timeline.json");
        HorovodRayStrategy hvd = HorovodRayStrategy.builder(2).timeline(file).build();
        // a directory took the file's place after the strategy was built: the move over it fails
        Files.createDirectories(file.resolve("in-the-way"));
        Trainer t = fit(hvd, new ArrayList<>());
        assertTrue(t.globalStep() > 0);
        assertTrue(Files.isDirectory(file.resolve("in-the-way")));
        try (var left = Files.list(root)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(),
                    "no temporary file left behind");
        }
    }

    @Test
    void theTimelineMustNameAFileThatCanBeWritten() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HorovodRayStrategy.builder(2).timeline(root));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
        Files.writeString(root.resolve("file"), "x");
        IllegalArgumentException underAFile = assertThrows(IllegalArgumentException.class,
                () -> HorovodRayStrategy.builder(2).timeline(root.resolve("file/deeper/t.json")));
        assertTrue(underAFile.getMessage().contains("is not a directory"), underAFile.getMessage());
        assertEquals(root.resolve("t.json").toAbsolutePath(),
                HorovodRayStrategy.builder(2).timeline(root.resolve("t.json")).build().timeline().orElseThrow());
        assertTrue(HorovodRayStrategy.builder(2).build().timeline().isEmpty());
    }
}
