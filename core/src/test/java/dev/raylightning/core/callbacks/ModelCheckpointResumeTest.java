package dev.raylightning.core.callbacks;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.CheckpointException;
import dev.raylightning.core.checkpoint.CheckpointIO;
import dev.raylightning.core.checkpoint.LoopPosition;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A resumed ModelCheckpoint prunes only checkpoints it wrote in its own directory, whatever paths
 * the checkpoint's saved state names.
 */
class ModelCheckpointResumeTest {

    @TempDir
    Path root;
    Path ownDir;
    /** The checkpoint the first run's callback wrote: genuinely its own. */
    Path written;

    private ModelCheckpoint callback() {
        return ModelCheckpoint.builder().dirpath(ownDir).saveTopK(1).build();
    }

    private Trainer trainer(int epochs, ModelCheckpoint cb) {
        return Fixtures.quietTrainer(root).maxEpochs(epochs).logger(false).callbacks(cb).build();
    }

    @BeforeEach
    void firstRun() {
        ownDir = root.resolve("runB").resolve("checkpoints");
        ModelCheckpoint cb = callback();
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            trainer(1, cb).fit(m, Fixtures.blobs(128, 32, 32));
        }
        written = Path.of(cb.bestModelPath());
        assertEquals(ownDir.resolve("epoch=0-step=4.ckpt"), written);
    }

    /** {@code written}'s checkpoint with its ModelCheckpoint state replaced. */
    private Path crafted(ModelCheckpoint cb, Map<String, Object> state) {
        Checkpoint c = CheckpointIO.read(written);
        Map<String, Map<String, Object>> states = new LinkedHashMap<>(c.callbackStates());
        assertTrue(states.containsKey(cb.stateKey()), states.keySet().toString());
        states.put(cb.stateKey(), state);
        Path out = root.resolve("crafted.ckpt");
        CheckpointIO.write(new Checkpoint(c.moduleClass(), c.loop(), c.weights(), c.optimizer().orElse(null),
                c.hyperParameters(), states, c.extra()), out);
        return out;
    }

    private Path victim(String kind) throws IOException {
        Path file = switch (kind) {
            case "absolute", "dotdot", "relative" -> root.resolve("elsewhere").resolve("epoch=0-step=1.ckpt");
            case "otherRun" -> root.resolve("runA").resolve("checkpoints").resolve("epoch=0-step=4.ckpt");
            case "unrecognisedName" -> ownDir.resolve("important.ckpt");
            case "notACheckpoint" -> ownDir.resolve("notes.txt");
            default -> throw new IllegalArgumentException(kind);
        };
        Files.createDirectories(file.getParent());
        Files.writeString(file, "keep me");
        return file;
    }

    private String spelled(String kind, Path victim) {
        return switch (kind) {
            case "dotdot" -> ownDir + "/../../elsewhere/" + victim.getFileName();
            case "relative" -> Path.of("").toAbsolutePath().relativize(victim).toString();
            default -> victim.toString();
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"absolute", "dotdot", "relative", "otherRun", "unrecognisedName", "notACheckpoint"})
    void pruningAfterResumeNeverDeletesAFileTheCallbackDidNotWriteThere(String kind) throws IOException {
        Path victim = victim(kind);
        String named = spelled(kind, victim);
        ModelCheckpoint cb = callback();
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("dirpath", victim.getParent().toString());
        state.put("bestModelPath", named);
        state.put("lastModelPath", named);
        Map<String, Object> best = new LinkedHashMap<>();
        best.put(named, -1.0); // worst score: pruned first if it were kept
        best.put(written.toString(), 4.0);
        state.put("bestKModels", best);
        Path ckpt = crafted(cb, state);

        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            trainer(3, cb).fit(m, Fixtures.blobs(128, 32, 32), ckpt);
        }

        assertTrue(Files.exists(victim), kind + ": " + victim + " was deleted");
        assertEquals("keep me", Files.readString(victim));
        // pruning did run over the restored entries: the genuine one was replaced by newer ones
        assertFalse(Files.exists(written), "the callback's own restored checkpoint is pruned");
        assertEquals(ownDir.resolve("epoch=2-step=12.ckpt").toString(), cb.bestModelPath());
        assertTrue(Files.isRegularFile(ownDir.resolve("epoch=2-step=12.ckpt")));
        assertEquals(java.util.Set.of(ownDir.resolve("epoch=2-step=12.ckpt").toString()), cb.bestKModels().keySet());
        assertEquals(ownDir, cb.dirpath().orElseThrow(), "the saved dirpath is ignored");
        if (!victim.getParent().equals(ownDir)) {
            assertFalse(Files.exists(victim.resolveSibling("epoch=2-step=12.ckpt")), "nothing written to the saved dirpath");
        }
    }

    @Test
    void restoredStateKeepsOnlyPathsOfItsOwnCheckpoints() throws IOException {
        Path victim = victim("absolute");
        ModelCheckpoint cb = callback();
        cb.resolveDirpath(root);
        Map<String, Object> best = new LinkedHashMap<>();
        best.put(victim.toString(), 1.0);
        best.put(ownDir + "/../checkpoints/epoch=0-step=4.ckpt", 4.0);
        best.put(ownDir.resolve("epoch=1-step=8-v2.ckpt").toString(), 8.0);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("bestKModels", best);
        state.put("bestModelPath", victim.toString());
        state.put("bestModelScore", 1.0);
        state.put("lastModelPath", ownDir.resolve("last.ckpt").toString());
        cb.loadStateDict(state);

        assertEquals(Map.of(written.toString(), 4.0, ownDir.resolve("epoch=1-step=8-v2.ckpt").toString(), 8.0),
                cb.bestKModels());
        assertEquals("", cb.bestModelPath(), "a best path that is not among the kept ones is dropped");
        assertTrue(cb.bestModelScore().isEmpty());
        assertEquals(ownDir.resolve("last.ckpt").toString(), cb.lastModelPath());
    }

    @Test
    void aWronglyTypedStateRefusesTheResumeAndChangesNothing() {
        ModelCheckpoint cb = callback();
        Map<String, Object> best = new LinkedHashMap<>();
        best.put(written.toString(), "four");
        Path ckpt = crafted(cb, Map.of("bestKModels", best));
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            float[] before = m.stateDict().arrays().get(0).values();
            Trainer t = trainer(3, cb);
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> t.fit(m, Fixtures.blobs(128, 32, 32), ckpt));
            assertTrue(e.getMessage().contains("bestKModels"), e.getMessage());
            assertArrayEquals(before, m.stateDict().arrays().get(0).values(), "weights untouched");
            assertEquals(0, t.globalStep());
            assertTrue(cb.bestKModels().isEmpty());
        }
        assertTrue(Files.exists(written));
    }

    @Test
    void aPositionPastTheTrainingSetRefusesTheResumeAndChangesNothing() {
        Checkpoint c = CheckpointIO.read(written);
        Path ckpt = root.resolve("past-the-end.ckpt");
        CheckpointIO.write(new Checkpoint(c.moduleClass(), new LoopPosition(1, 0, c.loop().globalStep(), 128),
                c.weights(), c.optimizer().orElse(null), c.hyperParameters(), c.callbackStates(), c.extra()), ckpt);
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            float[] before = m.stateDict().arrays().get(0).values();
            Trainer t = trainer(3, callback());
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> t.fit(m, Fixtures.blobs(128, 32, 32), ckpt));
            assertTrue(e.getMessage().contains("after sample position 128, but the training set has 128"),
                    e.getMessage());
            assertArrayEquals(before, m.stateDict().arrays().get(0).values(), "weights untouched");
            assertEquals(0, t.globalStep());
        }
    }
}
