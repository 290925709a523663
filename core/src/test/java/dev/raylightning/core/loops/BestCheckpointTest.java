package dev.raylightning.core.loops;

import dev.raylightning.core.RunResult;
import dev.raylightning.core.TrainerFn;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.util.JavaBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The best checkpoint's bytes travel from rank zero to the driver: a driver whose disk lacks the
 * file (rank zero ran on another node) gets it written at the same path; one that shares the
 * worker's disk keeps its file.
 */
class BestCheckpointTest {

    @TempDir
    Path root;

    private static RunResult resultNaming(Path best) {
        Map<String, Map<String, Object>> states = Map.of("ModelCheckpoint{monitor=val_loss}",
                Map.of("bestModelPath", best.toString()));
        return new RunResult(TrainerFn.FITTING, null, 1, 8, Map.of(), Map.of(), Map.of(), states, List.of(), List.of(),
                TrainerStatus.FINISHED, null);
    }

    @Test
    void theDriverWritesTheBytesWhereItsDiskLacksTheFile() throws IOException {
        Path best = root.resolve("ckpts").resolve("epoch=0-step=8.ckpt");
        Files.createDirectories(best.getParent());
        byte[] written = new byte[] {1, 2, 3, 4, 5};
        Files.write(best, written);
        BestCheckpoint onWorker = BestCheckpoint.read(resultNaming(best));
        // the bytes cross to the driver as a worker's outcome does; the driver's disk has no such file
        BestCheckpoint onDriver = (BestCheckpoint) JavaBytes.read(JavaBytes.write(onWorker));
        Files.delete(best);
        Files.delete(best.getParent());
        onDriver.restore();
        assertArrayEquals(written, Files.readAllBytes(best));
    }

    @Test
    void aFileTheDriverSharesIsKeptAndAMissingOneIsNotRead() throws IOException {
        Path best = root.resolve("shared.ckpt");
        Files.write(best, new byte[] {9});
        BestCheckpoint b = BestCheckpoint.read(resultNaming(best));
        Files.write(best, new byte[] {7, 7});
        b.restore();
        assertArrayEquals(new byte[] {7, 7}, Files.readAllBytes(best), "the driver's own file stays");
        assertNull(BestCheckpoint.read(resultNaming(root.resolve("missing.ckpt"))));
    }
}
