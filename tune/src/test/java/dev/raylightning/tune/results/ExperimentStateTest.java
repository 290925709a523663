package dev.raylightning.tune.results;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.raylightning.tune.results.Fixtures.config;
import static dev.raylightning.tune.results.Fixtures.metrics;
import static dev.raylightning.tune.results.Fixtures.ordered;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentStateTest {

    @TempDir
    Path storage;

    /** 2^53 + 1 has no exact double: it survives only if longs are never read as doubles. */
    private static final long BIG = (1L << 53) + 1;

    private static ExperimentState sample() {
        TrialResult r1 = new TrialResult("a", 1, 0.1 + 0.2, 1e-300, BIG,
                metrics("loss", Double.NaN, "acc", Double.POSITIVE_INFINITY, "neg", Double.NEGATIVE_INFINITY,
                        "zero", -0.0, "tiny", Double.MIN_VALUE, "missing", null),
                null);
        TrialResult r2 = new TrialResult("a", BIG, 2.0, 1.0 / 3, Long.MAX_VALUE,
                metrics("loss", 0.1, "acc", 0.9), "checkpoint_000002/model.ckpt");
        TrialSnapshot a = new TrialSnapshot("a", config("lr", 1e-4, "model", ordered("hidden", 64L, "name", "mlp"),
                "ratio", 0.5, "flags", List.of(true, "x", 3L)), TrialStatus.ERROR, List.of(r1, r2),
                "IllegalStateException: boom", 2, "checkpoint_000002/model.ckpt");
        TrialSnapshot b = new TrialSnapshot("b", config(), TrialStatus.PENDING, List.of(), null, 0, null);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("searcher", "{\"seed\":7}");
        settings.put("empty", "");
        settings.put("none", null);
        return new ExperimentState("exp", "loss", Mode.MIN, List.of(a, b), settings);
    }

    @Test
    void stateRoundTripsExactly() {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        ExperimentState state = sample();
        dir.saveState(state);
        ExperimentState back = ExperimentDirectory.open(dir.path()).loadState().orElseThrow();

        // Records compare doubles bit for bit (NaN equals NaN, -0.0 differs from 0.0).
        assertEquals(state, back);
        TrialResult r1 = back.trials().get(0).results().get(0);
        assertEquals(BIG, r1.timestamp());
        assertEquals(0.1 + 0.2, r1.timeTotalSeconds());
        assertTrue(Double.isNaN(r1.metrics().get("loss")));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(r1.metrics().get("zero")));
        assertTrue(r1.metrics().containsKey("missing"));
        assertEquals(List.of("loss", "acc", "neg", "zero", "tiny", "missing"), List.copyOf(r1.metrics().keySet()));
        assertEquals(Long.MAX_VALUE, back.trials().get(0).results().get(1).timestamp());
        assertEquals(BIG, back.trials().get(0).results().get(1).trainingIteration());
        assertEquals(List.of("searcher", "empty", "none"), List.copyOf(back.settings().keySet()));
    }

    @Test
    void stateWithoutMetricOrModeRoundTrips() {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        ExperimentState state = new ExperimentState("exp", null, null, List.of(), Map.of());
        dir.saveState(state);
        assertEquals(state, dir.loadState().orElseThrow());
    }

    @Test
    void noStateBeforeTheFirstSaveAndNoTemporaryFilesAfter() throws IOException {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        assertTrue(dir.loadState().isEmpty());
        dir.saveState(sample());
        dir.saveState(sample());
        assertTrue(Files.isRegularFile(dir.path().resolve("experiment_state.json")));
        ExperimentDirectoryTest.assertNoTemporaryFiles(dir.path());
    }

    @Test
    void newerFormatsAreRefused() throws IOException {
        ExperimentDirectory dir = ExperimentDirectory.create(storage, "exp");
        Files.writeString(dir.path().resolve("experiment_state.json"),
                "{\"format_version\": 99, \"name\": \"exp\", \"trials\": []}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, dir::loadState);
        assertTrue(e.getMessage().contains("99"), e.getMessage());
    }
}
