package dev.raylightning.core.checkpoint;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointIOTest {

    @TempDir
    Path root;
    Path good;

    @BeforeEach
    void trainAndSave() {
        good = root.resolve("good.ckpt");
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            Trainer t = Fixtures.quietTrainer(root).maxEpochs(1).logger(false).enableCheckpointing(false).build();
            t.fit(m, Fixtures.blobs(128, 32, 32));
            t.saveCheckpoint(good);
        }
    }

    @Test
    void roundTripKeepsEverything() {
        Checkpoint c = CheckpointIO.read(good);
        assertEquals(Checkpoint.FORMAT_VERSION, 1);
        assertEquals(TinyClassifier.class.getName(), c.moduleClass());
        assertEquals(new LoopPosition(1, 0, 4), c.loop());
        assertEquals(4, c.weights().arrays().size());
        assertEquals("ADAM", c.optimizer().orElseThrow().kind());
        assertArrayEquals(new long[] {4, 4, 4, 4}, c.optimizer().orElseThrow().updates());
        assertEquals(16.0, ((Number) c.hyperParameters().get("hidden")).doubleValue());
        byte[] again = CheckpointIO.toBytes(c);
        Path copy = root.resolve("copy.ckpt");
        CheckpointIO.writeBytes(again, copy);
        Checkpoint c2 = CheckpointIO.read(copy);
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(c.weights().arrays().get(i).values(), c2.weights().arrays().get(i).values());
        }
    }

    @Test
    void truncatedFileIsRefusedAndNothingIsLoaded() throws IOException {
        byte[] bytes = Files.readAllBytes(good);
        Path cut = root.resolve("cut.ckpt");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        try (TinyClassifier fresh = new TinyClassifier(16, 0.01, "adam")) {
            float[] before = fresh.stateDict().arrays().get(0).values();
            Trainer t = Fixtures.quietTrainer(root).maxEpochs(2).logger(false).enableCheckpointing(false).build();
            CheckpointException e = assertThrows(CheckpointException.class, () -> t.fit(fresh, Fixtures.blobs(128, 32, 32), cut));
            assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
            assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
            assertArrayEquals(before, fresh.stateDict().arrays().get(0).values(), "weights untouched");
            assertEquals(0, t.globalStep());
        }
    }

    @Test
    void flippedByteIsCaught() throws IOException {
        byte[] bytes = Files.readAllBytes(good);
        // flip a byte in the middle of the weights entry (stored after the small JSON index)
        bytes[bytes.length / 2] ^= 0x5A;
        Path bad = root.resolve("bad.ckpt");
        Files.write(bad, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointIO.read(bad));
        assertTrue(e.getMessage().contains("corrupt") || e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void foreignAndMissingFilesAreRefused() throws IOException {
        Path txt = root.resolve("notes.ckpt");
        Files.writeString(txt, "hello");
        assertTrue(assertThrows(CheckpointException.class, () -> CheckpointIO.read(txt)).getMessage().contains("truncated or corrupt"));
        assertTrue(assertThrows(CheckpointException.class, () -> CheckpointIO.read(root.resolve("none.ckpt")))
                .getMessage().contains("not found"));
    }

    @Test
    void checkpointOfAnotherArchitectureChangesNothing() {
        try (TinyClassifier wide = new TinyClassifier(32, 0.01, "adam")) {
            float[] before = wide.stateDict().arrays().get(0).values();
            Trainer t = Fixtures.quietTrainer(root).maxEpochs(2).logger(false).enableCheckpointing(false).build();
            CheckpointException e = assertThrows(CheckpointException.class, () -> t.fit(wide, Fixtures.blobs(128, 32, 32), good));
            assertTrue(e.getMessage().contains("mismatch"), e.getMessage());
            assertArrayEquals(before, wide.stateDict().arrays().get(0).values());
        }
        try (TinyClassifier sgd = new TinyClassifier(16, 0.01, "sgd")) {
            float[] before = sgd.stateDict().arrays().get(0).values();
            Trainer t = Fixtures.quietTrainer(root).maxEpochs(2).logger(false).enableCheckpointing(false).build();
            CheckpointException e = assertThrows(CheckpointException.class, () -> t.fit(sgd, Fixtures.blobs(128, 32, 32), good));
            assertTrue(e.getMessage().contains("ADAM"), e.getMessage());
            assertArrayEquals(before, sgd.stateDict().arrays().get(0).values(), "weights rolled back when the optimizer does not fit");
        }
    }

    @Test
    void loadingIntoAModuleOfAnotherArchitectureIsACheckpointException() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> dev.raylightning.core.LightningModule
                .loadFromCheckpoint(good, h -> new TinyClassifier(32, 0.01, "adam")));
        assertTrue(e.getMessage().contains("does not fit this module"), e.getMessage());
    }

    @Test
    void writesAreAtomicAndLeaveNoTemporaryFiles() throws IOException {
        Checkpoint c = CheckpointIO.read(good);
        Path target = root.resolve("sub").resolve("atomic.ckpt");
        CheckpointIO.write(c, target);
        CheckpointIO.write(c, target);
        try (Stream<Path> s = Files.list(target.getParent())) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertEquals(List.of("atomic.ckpt"), names);
        }
        // a write that fails midway (target is a directory) leaves no partial file under the name
        Path dirTarget = root.resolve("occupied");
        Files.createDirectories(dirTarget.resolve("child"));
        assertThrows(CheckpointException.class, () -> CheckpointIO.write(c, dirTarget));
        try (Stream<Path> s = Files.list(root)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }
}
