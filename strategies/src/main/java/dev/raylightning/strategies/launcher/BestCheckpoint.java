package dev.raylightning.strategies.launcher;

import dev.raylightning.core.RunResult;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The best checkpoint a worker's {@code ModelCheckpoint} wrote: its path and bytes. */
record BestCheckpoint(String path, byte[] bytes) implements Serializable {

    /** Reads the best checkpoint named in rank zero's callback states, if any was written. */
    static BestCheckpoint read(RunResult result) {
        if (result == null) {
            return null;
        }
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
}
