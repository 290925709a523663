package dev.raylightning.core.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.raylightning.core.optim.ParameterOptimizer;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
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
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
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
    /** The largest index read; writers refuse to write a larger one. */
    static final int MAX_INDEX_BYTES = 4 << 20;

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
            String json = GSON.toJson(meta);
            byte[] index = json.getBytes(StandardCharsets.UTF_8);
            if (index.length > MAX_INDEX_BYTES || IndexJson.countValues(json) > IndexJson.MAX_VALUES) {
                throw new CheckpointException("checkpoint index too large to be read back (" + index.length
                        + " bytes): hyper-parameters, callback states or extra entries hold too much");
            }
            put(zip, META, index);
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
     * Reads and fully verifies a checkpoint: the index is parsed and checked first (types, ranges,
     * shapes, declared sizes), then every entry's declared size, and only then are the binary
     * entries read, each against its size, CRC-32 and SHA-256. A missing, truncated, corrupt,
     * oversized or foreign file is refused with a {@link CheckpointException} that says which; no
     * other exception escapes for a bad file.
     */
    public static Checkpoint read(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException("checkpoint not found: " + path);
        }
        try (CheckedZip zip = new CheckedZip(path)) {
            CheckpointIndex index = CheckpointIndex.parse(path.toString(), zip.readSmall(META, MAX_INDEX_BYTES));
            zip.requireSize(WEIGHTS, index.weightsBytes());
            CheckpointIndex.OptimizerSpec o = index.optimizer();
            if (o != null) {
                zip.requireSize(OPTIMIZER, o.bytes());
            }
            HeapBudget budget = new HeapBudget(path, index.weightsBytes() + (o == null ? 0 : o.bytes()));
            List<float[]> weights = budget.allocate(index.weights().stream().mapToInt(CheckpointIndex.ArraySpec::count));
            List<float[]> buffers = o == null ? List.of() : budget.allocate(Arrays.stream(o.bufferLengths()));
            zip.readFloats(WEIGHTS, index.weightsBytes(), index.weightsSha256(), weights);
            List<NamedArray> arrays = new ArrayList<>();
            for (int i = 0; i < weights.size(); i++) {
                CheckpointIndex.ArraySpec a = index.weights().get(i);
                arrays.add(new NamedArray(a.name(), a.shape(), weights.get(i)));
            }
            ParameterOptimizer.State optimizer = null;
            if (o != null) {
                zip.readFloats(OPTIMIZER, o.bytes(), o.sha256(), buffers);
                optimizer = new ParameterOptimizer.State(o.kind(), o.updates(), o.learningRate(),
                        o.buffersPerParameter(), buffers);
            }
            return new Checkpoint(index.moduleClass(), index.loop(), new ModelState(arrays), optimizer,
                    index.hyperParameters(), index.callbackStates(), index.extra());
        } catch (ZipException | EOFException e) {
            throw new CheckpointException(path + " is truncated or corrupt (not a readable archive: " + e.getMessage() + ")", e);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("checkpoint not found: " + path, e);
        } catch (IOException e) {
            throw new CheckpointException("could not read checkpoint " + path + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException e) {
            // the JDK's archive reader reports some malformed headers and names this way
            throw new CheckpointException(path + " is truncated or corrupt (" + e + ")", e);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
