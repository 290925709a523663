package dev.raylightning.core.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

/** What reading a checkpoint checks, one rule at a time (the fuzz test tries them at random). */
class CheckpointValidationTest {

    @TempDir
    Path root;
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private int files;

    @BeforeEach
    void saveARealCheckpoint() throws IOException {
        Path good = root.resolve("good.ckpt");
        try (TinyClassifier m = new TinyClassifier(16, 0.01, "adam")) {
            Trainer t = Fixtures.quietTrainer(root).maxEpochs(1).logger(false).enableCheckpointing(false).build();
            t.fit(m, Fixtures.blobs(128, 32, 32));
            t.saveCheckpoint(good);
        }
        try (ZipFile zip = new ZipFile(good.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                entries.put(e.getName(), zip.getInputStream(e).readAllBytes());
            }
        }
    }

    private Path file(List<RawZip.Entry> list) {
        Path p = root.resolve("candidate-" + files++ + ".ckpt");
        try {
            Files.write(p, RawZip.build(list));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** The checkpoint with {@code name} replaced, the other entries honest. */
    private Path with(String name, RawZip.Entry replaced) {
        List<RawZip.Entry> list = new ArrayList<>();
        entries.forEach((n, data) -> list.add(n.equals(name) ? replaced : RawZip.Entry.of(n, data)));
        return file(list);
    }

    private Path withIndex(Consumer<JsonObject> edit) {
        JsonObject index = JsonParser.parseString(new String(entries.get("checkpoint.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        edit.accept(index);
        return with("checkpoint.json", RawZip.Entry.of("checkpoint.json", index.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static String refusal(Path p) {
        return assertThrows(CheckpointException.class, () -> CheckpointIO.read(p)).getMessage();
    }

    @Test
    void theRebuiltCheckpointIsValid() {
        assertEquals(4, CheckpointIO.read(with("weights.bin", RawZip.Entry.of("weights.bin", entries.get("weights.bin"))))
                .weights().arrays().size());
    }

    @Test
    void indexValuesAreTypeCheckedNamingTheField() {
        assertTrue(refusal(withIndex(i -> i.getAsJsonObject("loop").addProperty("epoch", "1")))
                .contains("'loop.epoch' is not a number"));
        assertTrue(refusal(withIndex(i -> i.getAsJsonObject("loop").addProperty("globalStep", 4.5)))
                .contains("'loop.globalStep' is not a whole number"));
        assertTrue(refusal(withIndex(i -> i.getAsJsonObject("loop").addProperty("epoch", 1L << 31)))
                .contains("'loop.epoch' is 2147483648, outside"));
        assertTrue(refusal(withIndex(i -> i.getAsJsonObject("loop").addProperty("samplesBefore", -3)))
                .contains("'loop.samplesBefore' is -3, outside"));
        assertEquals(0, CheckpointIO.read(withIndex(i -> i.getAsJsonObject("loop").remove("samplesBefore")))
                .loop().samplesBefore(), "written before continued epochs existed: none");
        assertEquals(24, CheckpointIO.read(withIndex(i -> i.getAsJsonObject("loop").addProperty("samplesBefore", 24)))
                .loop().samplesBefore());
        assertTrue(refusal(withIndex(i -> i.add("callbacks", new JsonArray()))).contains("'callbacks' is not an object"));
        assertTrue(refusal(withIndex(i -> i.remove("weightsSha256"))).contains("'weightsSha256' is missing"));
    }

    @Test
    void negativeHugeAndInconsistentShapesAreRefused() {
        assertTrue(refusal(withIndex(i -> shape(i, -1))).contains("'weights[0].shape[0]' is -1, outside"));
        assertTrue(refusal(withIndex(i -> shape(i, 65536, 65536))).contains("holds more values than one array can"));
        assertTrue(refusal(withIndex(i -> shape(i, 3, 3))).contains("'weightsBytes' is"));
    }

    private static void shape(JsonObject index, long... dims) {
        JsonArray shape = new JsonArray();
        for (long d : dims) {
            shape.add(d);
        }
        index.getAsJsonArray("weights").get(0).getAsJsonObject().add("shape", shape);
    }

    @Test
    void aZipBombIsRefusedWithoutInflatingIt() {
        RawZip.Entry bomb = RawZip.zeros("weights.bin", 2048);
        Path declared = with("weights.bin", bomb);
        Path lying = with("weights.bin", bomb.withDeclaredSize(entries.get("weights.bin").length));
        long allocated = allocatedDuring(() -> {
            assertTrue(refusal(declared).contains("weights.bin has 2147483648 bytes, the index says"), refusal(declared));
            assertTrue(refusal(lying).contains("weights.bin holds more than its declared"));
        });
        assertTrue(allocated < 64 << 20, "allocated " + (allocated >> 20) + " MiB to refuse two bombs");
        // a bomb the index agrees with is refused for the heap it needs: CheckpointFuzzTest, under 256 MiB
    }

    @Test
    void everyEntryIsCrcCheckedTheIndexIncluded() {
        RawZip.Entry index = RawZip.Entry.of("checkpoint.json", entries.get("checkpoint.json"));
        assertTrue(refusal(with("checkpoint.json", index.withCrc(index.crc() ^ 1)))
                .contains("checkpoint.json fails its CRC-32 check"));
        RawZip.Entry opt = RawZip.Entry.of("optimizer.bin", entries.get("optimizer.bin"));
        assertTrue(refusal(with("optimizer.bin", opt.withCrc(opt.crc() ^ 1))).contains("optimizer.bin fails its CRC-32"));
    }

    @Test
    void anOversizedIndexIsRefusedBeforeItIsRead() {
        RawZip.Entry index = RawZip.Entry.of("checkpoint.json", entries.get("checkpoint.json"));
        assertTrue(refusal(with("checkpoint.json", index.withDeclaredSize(64 << 20))).contains("at most"));
    }

    private static long allocatedDuring(Runnable action) {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        action.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
