package dev.raylightning.tune;

import dev.raylightning.tune.integration.TuneHook;
import dev.raylightning.tune.integration.TuneReportCheckpointCallback;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Names that become files or directories are refused where the user gives them. */
class TuneNamesTest {

    @Test
    void experimentAndCheckpointNamesMustBePlainNames() {
        for (String bad : List.of(".", "..", "a/b", "a\\\\b", " ")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TuneOptions.builder().name(bad), bad);
            assertTrue(e.getMessage().startsWith("name must be a single path element"), e.getMessage());
            IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                    () -> new TuneReportCheckpointCallback(List.of("loss"), bad, TuneHook.VALIDATION_END), bad);
            assertTrue(f.getMessage().startsWith("filename must be a single path element"), f.getMessage());
        }
        assertEquals("run.1", TuneOptions.builder().name("run.1").metric("loss").mode(Mode.MIN).build().name());
        assertEquals("ckpt..bin", new TuneReportCheckpointCallback(List.of("loss"), "ckpt..bin", TuneHook.VALIDATION_END)
                .filename());
    }
}
