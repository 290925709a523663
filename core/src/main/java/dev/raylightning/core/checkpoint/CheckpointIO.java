package dev.raylightning.core.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import dev.raylightning.core.optim.ParameterOptimizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The checkpoint file format (version 1): a ZIP archive with
 * <ul>
 *   <li>{@code checkpoint.json}: format version, module class, loop position, hyper-parameters,
 *       callback states, extra entries, the list of arrays (name, shape) and optimizer metadata,
 *       and the SHA-256 of each binary entry;</li>
 *   <li>{@code weights.bin}: every parameter's values, float32 little-endian, in listed order;</li>
 *   <li>{@code optimizer.bin} (optional): the optimizer's buffers in the same encoding.</li>
 * </ul>
 * Writes go to a temporary file in the target directory that is synced, then atomically renamed,
 * so a crash never leaves a partial file under the final name. Reads verify sizes and digests of
 * every entry before returning anything.
 */
public final class CheckpointIO {

    private static final String META = "checkpoint.json";
    private static final String WEIGHTS = "weights.bin";
    private static final String OPTIMIZER = "optimizer.bin";
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private CheckpointIO() {}

    /** Serialises a checkpoint to bytes (the same bytes {@link #write} stores). */
    public static byte[] toBytes(Checkpoint ckpt) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(ckpt, out);
        } catch (IOException e) {
            throw new CheckpointException("could not encode checkpoint", e);
        }
        return out.toByteArray();
    }

    /** Writes atomically to {@code path}, creating parent directories. */
    public static void write(Checkpoint ckpt, Path path) {
        writeBytes(toBytes(ckpt), path);
    }

    /** Stores already-encoded checkpoint bytes atomically at {@code path}. */
    public static void writeBytes(byte[] bytes, Path path) {
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new CheckpointException("could not write checkpoint " + path + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary name never shadows a real checkpoint
                }
            }
        }
    }

    private static void writeTo(Checkpoint ckpt, OutputStream sink) throws IOException {
        List<float[]> weightArrays = new ArrayList<>();
        JsonArray arrays = new JsonArray();
        for (NamedArray a : ckpt.weights().arrays()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", a.name());
            o.add("shape", GSON.toJsonTree(a.shape()));
            arrays.add(o);
            weightArrays.add(a.values());
        }
        byte[] weights = encode(weightArrays);
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "ray-lightning-checkpoint");
        meta.addProperty("formatVersion", Checkpoint.FORMAT_VERSION);
        meta.addProperty("moduleClass", ckpt.moduleClass());
        meta.add("loop", GSON.toJsonTree(ckpt.loop()));
        meta.add("hyperParameters", GSON.toJsonTree(ckpt.hyperParameters()));
        meta.add("callbacks", GSON.toJsonTree(ckpt.callbackStates()));
        meta.add("extra", GSON.toJsonTree(ckpt.extra()));
        meta.add("weights", arrays);
        meta.addProperty("weightsSha256", sha256(weights));
        meta.addProperty("weightsBytes", weights.length);
        byte[] optimizer = null;
        if (ckpt.optimizer().isPresent()) {
            ParameterOptimizer.State s = ckpt.optimizer().get();
            JsonObject o = new JsonObject();
            o.addProperty("kind", s.kind());
            o.add("updates", GSON.toJsonTree(s.updates()));
            o.addProperty("learningRate", s.learningRate());
            o.add("buffersPerParameter", GSON.toJsonTree(s.buffersPerParameter()));
            int[] lengths = s.buffers().stream().mapToInt(b -> b.length).toArray();
            o.add("bufferLengths", GSON.toJsonTree(lengths));
            optimizer = encode(s.buffers());
            o.addProperty("sha256", sha256(optimizer));
            o.addProperty("bytes", optimizer.length);
            meta.add("optimizer", o);
        }
        try (ZipOutputStream zip = new ZipOutputStream(sink)) {
            zip.setLevel(1);
            put(zip, META, GSON.toJson(meta).getBytes(StandardCharsets.UTF_8));
            put(zip, WEIGHTS, weights);
            if (optimizer != null) {
                put(zip, OPTIMIZER, optimizer);
            }
        }
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    private static byte[] encode(List<float[]> arrays) {
        long total = 0;
        for (float[] a : arrays) {
            total += 4L * a.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(total)).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] a : arrays) {
            buf.asFloatBuffer().put(a);
            buf.position(buf.position() + 4 * a.length);
        }
        return buf.array();
    }

    /**
     * Reads and fully verifies a checkpoint. A missing, truncated, corrupt or foreign file is
     * refused with a {@link CheckpointException} that says which.
     */
    public static Checkpoint read(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException("checkpoint not found: " + path);
        }
        try (ZipFile zip = new ZipFile(path.toFile())) {
            JsonObject meta = GSON.fromJson(new String(entry(zip, META, path), StandardCharsets.UTF_8), JsonObject.class);
            if (meta == null || !"ray-lightning-checkpoint".equals(str(meta, "format"))) {
                throw new CheckpointException(path + " is not a ray-lightning checkpoint");
            }
            int version = meta.get("formatVersion").getAsInt();
            if (version > Checkpoint.FORMAT_VERSION) {
                throw new CheckpointException(path + " has format version " + version
                        + "; this library reads up to " + Checkpoint.FORMAT_VERSION);
            }
            byte[] weights = entry(zip, WEIGHTS, path);
            verify(path, WEIGHTS, weights, meta.get("weightsBytes").getAsLong(), str(meta, "weightsSha256"));
            List<NamedArray> arrays = new ArrayList<>();
            ByteBuffer wb = ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN);
            for (var el : meta.getAsJsonArray("weights")) {
                JsonObject o = el.getAsJsonObject();
                long[] shape = GSON.fromJson(o.get("shape"), long[].class);
                long n = 1;
                for (long d : shape) {
                    n *= d;
                }
                arrays.add(new NamedArray(o.get("name").getAsString(), shape, take(wb, n, path)));
            }
            if (wb.hasRemaining()) {
                throw new CheckpointException(path + ": " + WEIGHTS + " is longer than its index says");
            }
            ParameterOptimizer.State optimizer = null;
            if (meta.has("optimizer")) {
                JsonObject o = meta.getAsJsonObject("optimizer");
                byte[] ob = entry(zip, OPTIMIZER, path);
                verify(path, OPTIMIZER, ob, o.get("bytes").getAsLong(), str(o, "sha256"));
                int[] lengths = GSON.fromJson(o.get("bufferLengths"), int[].class);
                ByteBuffer buf = ByteBuffer.wrap(ob).order(ByteOrder.LITTLE_ENDIAN);
                List<float[]> buffers = new ArrayList<>();
                for (int len : lengths) {
                    buffers.add(take(buf, len, path));
                }
                optimizer = new ParameterOptimizer.State(str(o, "kind"), GSON.fromJson(o.get("updates"), long[].class),
                        o.get("learningRate").getAsDouble(), GSON.fromJson(o.get("buffersPerParameter"), int[].class),
                        buffers);
            }
            LoopPosition loop = GSON.fromJson(meta.get("loop"), LoopPosition.class);
            Map<String, Object> hparams = GSON.fromJson(meta.get("hyperParameters"), new TypeToken<Map<String, Object>>() {}.getType());
            Map<String, Map<String, Object>> callbacks = GSON.fromJson(meta.get("callbacks"),
                    new TypeToken<Map<String, Map<String, Object>>>() {}.getType());
            Map<String, Object> extra = GSON.fromJson(meta.get("extra"), new TypeToken<Map<String, Object>>() {}.getType());
            return new Checkpoint(str(meta, "moduleClass"), new LoopPosition(loop.epoch(), loop.batchesDone(), loop.globalStep()),
                    new ModelState(arrays), optimizer, hparams, callbacks, extra);
        } catch (ZipException e) {
            throw new CheckpointException(path + " is truncated or corrupt (not a readable archive: " + e.getMessage() + ")", e);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("checkpoint not found: " + path, e);
        } catch (IOException e) {
            throw new CheckpointException("could not read checkpoint " + path + ": " + e.getMessage(), e);
        } catch (JsonParseException | IllegalStateException | NullPointerException | IllegalArgumentException e) {
            throw new CheckpointException(path + " has a malformed index: " + e.getMessage(), e);
        }
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : null;
    }

    private static byte[] entry(ZipFile zip, String name, Path path) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new CheckpointException(path + " lacks its " + name + " entry");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    private static void verify(Path path, String name, byte[] data, long bytes, String sha) {
        if (data.length != bytes) {
            throw new CheckpointException(path + ": " + name + " has " + data.length + " bytes, expected " + bytes + " (truncated?)");
        }
        if (!sha256(data).equals(sha)) {
            throw new CheckpointException(path + ": " + name + " fails its SHA-256 check (corrupt)");
        }
    }

    private static float[] take(ByteBuffer buf, long n, Path path) {
        if (buf.remaining() < 4 * n) {
            throw new CheckpointException(path + ": binary entry shorter than its index says");
        }
        float[] out = new float[Math.toIntExact(n)];
        buf.asFloatBuffer().get(out);
        buf.position(buf.position() + 4 * out.length);
        return out;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
