package dev.raylightning.core.loops;

import dev.raylightning.core.RunResult;
import dev.raylightning.core.checkpoint.CheckpointIO;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The best checkpoint rank zero's {@code ModelCheckpoint} wrote, with its bytes: a worker may
 * run on another node, so the driver writes it where its own callback expects it.
 */
record BestCheckpoint(String path, byte[] bytes) implements Serializable {

    /** Reads the best checkpoint named in a result's callback states, if one was written here. */
    static BestCheckpoint read(RunResult result) {
        for (Map.Entry<String, Map<String, Object>> e : result.callbackStates().entrySet()) {
            if (e.getKey().startsWith("ModelCheckpoint")) {
                Object p = e.getValue().get("bestModelPath");
                if (p instanceof String s && !s.isEmpty() && Files.isRegularFile(Path.of(s))) {
                    try {
                        return new BestCheckpoint(s, Files.readAllBytes(Path.of(s)));
                    } catch (IOException ex) {
                        throw new UncheckedIOException("cannot read best checkpoint " + s, ex);
                    }
                }
            }
        }
        return null;
    }

    /** Writes the bytes at the path unless a file is there already (the driver shares the worker's disk). */
    void restore() {
        Path p = Path.of(path);
        if (!Files.isRegularFile(p)) {
            CheckpointIO.writeBytes(bytes, p);
        }
    }
}
