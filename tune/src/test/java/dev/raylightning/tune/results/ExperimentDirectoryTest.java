package dev.raylightning.tune.results;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.raylightning.tune.TrialConfig;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.raylightning.tune.results.Fixtures.config;
import static dev.raylightning.tune.results.Fixtures.metrics;
import static dev.raylightning.tune.results.Fixtures.ordered;
import static dev.raylightning.tune.results.Fixtures.result;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentDirectoryTest {

    @TempDir
    Path storage;

    private static final TrialConfig CONFIG = config(
            "lr", 0.01,
            "model", ordered("hidden", 64L, "act", "relu"),
            "layers", List.of(1L, 2L),
            "shuffle", true);

    @Test
    void createMakesTheFolderAndOpenNeedsAnExistingOne() {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        assertTrue(Files.isDirectory(storage.resolve("exp")));
        assertEquals(storage.resolve("exp").toAbsolutePath(), dir.path());
        assertEquals(dir.path(), ExperimentDirectory.open(storage.resolve("exp")).path());
        assertEquals(dir.path().resolve("trial_a_00001"), dir.trialDir("a_00001"));
        assertThrows(IllegalArgumentException.class, () -> ExperimentDirectory.open(storage.resolve("missing")));
        assertThrows(IllegalArgumentException.class, () -> ExperimentDirectory.create(storage, "../up"));
        assertThrows(IllegalArgumentException.class, () -> dir.trialDir("../x"));
    }

    @Test
    void paramsJsonParsesBackToTheConfig() throws IOException {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        dir.writeParams("t1", CONFIG);
        String json = Files.readString(dir.trialDir("t1").resolve("params.json"));
        assertEquals(CONFIG, TrialConfig.fromJson(json));
    }

    @Test
    void resultJsonHasOneLinePerReportWithTheRowAndTheConfig() throws IOException {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        dir.appendResult("t1", CONFIG, result("t1", 1, metrics("loss", 0.5)));
        dir.appendResult("t1", CONFIG, result("t1", 2, "checkpoint_000002/model.ckpt", metrics("loss", Double.NaN)));
        dir.appendResult("t1", CONFIG, result("t1", 3, metrics("loss", 0.25)));

        List<String> lines = Files.readAllLines(dir.trialDir("t1").resolve("result.json"));
        assertEquals(3, lines.size());
        JsonObject second = JsonParser.parseString(lines.get(1)).getAsJsonObject();
        assertTrue(Double.isNaN(Double.parseDouble(second.get("loss").getAsString())));
        assertEquals("2", second.get("training_iteration").getAsString(), "iterations are written as integers");
        assertEquals(Fixtures.EPOCH + 2, second.get("timestamp").getAsLong());
        assertEquals(3.0, second.get("time_total_s").getAsDouble());
        assertEquals("t1", second.get("trial_id").getAsString());
        assertEquals("checkpoint_000002/model.ckpt", second.get("checkpoint").getAsString());
        assertEquals(CONFIG, TrialConfig.fromJson(second.get("config").toString()));
        assertFalse(JsonParser.parseString(lines.get(0)).getAsJsonObject().has("checkpoint"));
    }

    @Test
    void progressCsvHasTheRowColumnsThenTheFlattenedConfig() throws IOException {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        dir.appendResult("t1", CONFIG, result("t1", 1, metrics("loss", 0.5, "acc", 0.75)));
        dir.appendResult("t1", CONFIG, result("t1", 2, metrics("loss", 0.25, "acc", 0.875)));

        Csv csv = readCsv(dir.trialDir("t1").resolve("progress.csv"));
        List<CSVRecord> rows = csv.rows();
        assertEquals(List.of("loss", "acc", "time_this_iter_s", "training_iteration", "timestamp", "time_total_s",
                "trial_id", "config/lr", "config/model.hidden", "config/model.act", "config/layers",
                "config/shuffle"), csv.header());
        assertEquals(2, rows.size());
        CSVRecord r = rows.get(1);
        assertEquals(0.25, Double.parseDouble(r.get("loss")));
        assertEquals("2", r.get("training_iteration"));
        assertEquals(String.valueOf(Fixtures.EPOCH + 2), r.get("timestamp"));
        assertEquals("0.01", r.get("config/lr"));
        assertEquals("64", r.get("config/model.hidden"));
        assertEquals("relu", r.get("config/model.act"));
        assertEquals("[1,2]", r.get("config/layers"));
        assertEquals("true", r.get("config/shuffle"));
    }

    @Test
    void progressCsvIsRewrittenWithAWiderHeaderWhenNewKeysAppear() throws IOException {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        TrialConfig config = TrialConfig.of(Map.of("lr", 0.1));
        dir.appendResult("t1", config, result("t1", 1, metrics("loss", 0.5)));
        dir.appendResult("t1", config, result("t1", 2, "checkpoint_000002/m.ckpt", metrics("loss", 0.4, "acc", 0.6)));
        // A fresh instance (as after a resume) must continue the widened file, not restart it.
        ExperimentDirectory reopened = ExperimentDirectory.open(dir.path());
        reopened.appendResult("t1", config, result("t1", 3, metrics("loss", 0.3)));

        Path file = dir.trialDir("t1").resolve("progress.csv");
        Csv csv = readCsv(file);
        List<CSVRecord> rows = csv.rows();
        List<String> header = csv.header();
        assertEquals(List.of("loss", "time_this_iter_s", "training_iteration", "timestamp", "time_total_s",
                "trial_id", "config/lr", "acc", "checkpoint"), header);
        assertEquals(3, rows.size());
        for (CSVRecord r : rows) {
            assertEquals(header.size(), r.size(), "row " + r.getRecordNumber() + " lines up with the header");
        }
        assertEquals(List.of("1", "2", "3"), rows.stream().map(r -> r.get("training_iteration")).toList());
        assertEquals(List.of("", "0.6", ""), rows.stream().map(r -> r.get("acc")).toList());
        assertEquals(List.of("", "checkpoint_000002/m.ckpt", ""), rows.stream().map(r -> r.get("checkpoint")).toList());
        assertEquals(List.of("0.5", "0.4", "0.3"), rows.stream().map(r -> r.get("loss")).toList());
        assertEquals(List.of("0.1", "0.1", "0.1"), rows.stream().map(r -> r.get("config/lr")).toList());
        assertEquals(4, Files.readAllLines(file).size(), "one header line and three rows");
        assertNoTemporaryFiles(dir.trialDir("t1"));
    }

    @Test
    void checkpointsGoToZeroPaddedIterationFoldersAtomically() throws IOException {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        Path relative = dir.writeCheckpoint("t1", 3, "model.ckpt", new byte[] {1, 2, 3});
        assertEquals(Path.of("checkpoint_000003", "model.ckpt"), relative);
        assertEquals("checkpoint_000003/model.ckpt", relative.toString().replace('\\', '/'));
        Path file = dir.trialDir("t1").resolve(relative);
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));

        dir.writeCheckpoint("t1", 3, "model.ckpt", new byte[] {9});
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(file), "a second write replaces the file");
        dir.writeCheckpoint("t1", 1234567, "model.ckpt", new byte[0]);
        assertTrue(Files.isRegularFile(dir.trialDir("t1").resolve("checkpoint_1234567/model.ckpt")));

        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of("model.ckpt"), files.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file is left beside the checkpoint");
        }
        assertEquals(file, dir.resolveCheckpoint("t1", "checkpoint_000003/model.ckpt"));
        assertTrue(dir.resolveCheckpoint("t1", "checkpoint_000003/model.ckpt").isAbsolute());
        assertThrows(IllegalArgumentException.class, () -> dir.resolveCheckpoint("t1", "../t2/x"));
        assertThrows(IllegalArgumentException.class, () -> dir.writeCheckpoint("t1", 4, "a/b", new byte[0]));
    }

    @Test
    void errorsAreAppendedOneBlockPerFailure() throws IOException {
        Clock clock = Clock.fixed(Instant.parse("2026-11-27T08:30:12Z"), ZoneOffset.UTC);
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp", clock);
        dir.writeError("t1", "java.lang.IllegalStateException: boom\n\tat Foo.bar(Foo.java:1)\n");
        dir.writeError("t1", "java.lang.OutOfMemoryError: heap");
        assertEquals("""
                Failure # 1 (occurred at 2026-11-27_08-30-12)
                java.lang.IllegalStateException: boom
                \tat Foo.bar(Foo.java:1)

                Failure # 2 (occurred at 2026-11-27_08-30-12)
                java.lang.OutOfMemoryError: heap

                """, Files.readString(dir.trialDir("t1").resolve("error.txt")));
    }

    private record Csv(List<String> header, List<CSVRecord> rows) {
    }

    private static Csv readCsv(Path file) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build();
        try (CSVParser parser = CSVParser.parse(file, StandardCharsets.UTF_8, format)) {
            return new Csv(parser.getHeaderNames(), parser.getRecords());
        }
    }

    static void assertNoTemporaryFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> temps = files.filter(p -> p.getFileName().toString().endsWith(AtomicFiles.TEMP_SUFFIX)).toList();
            assertEquals(List.of(), temps);
        }
    }
}
