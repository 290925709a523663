package dev.raylightning.core.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A checkpoint's {@code checkpoint.json}, parsed and checked: every field has its type and range,
 * every shape is non-negative and fits one Java array, and the declared entry sizes agree with
 * the shapes. Nothing of a checkpoint is read beyond its index before this passes.
 */
record CheckpointIndex(String moduleClass, LoopPosition loop, Map<String, Object> hyperParameters,
        Map<String, Map<String, Object>> callbackStates, Map<String, Object> extra, List<ArraySpec> weights,
        long weightsBytes, String weightsSha256, OptimizerSpec optimizer) {

    static final String FORMAT = "ray-lightning-checkpoint";
    /** Dimensions an array may have. */
    static final int MAX_DIMS = 32;
    /** Buffers per parameter an optimizer may keep (SGD momentum: 1, Adam: 2). */
    static final int MAX_BUFFERS_PER_PARAMETER = 8;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** One array of the weights entry: name, shape and its number of values. */
    record ArraySpec(String name, long[] shape, int count) {}

    /** The optimizer entry's metadata. */
    record OptimizerSpec(String kind, long[] updates, double learningRate, int[] buffersPerParameter,
            int[] bufferLengths, long bytes, String sha256) {}

    static CheckpointIndex parse(String source, byte[] utf8) {
        JsonObject meta = IndexJson.parse(source, utf8);
        IndexJson j = IndexJson.of(source);
        JsonElement format = meta.get("format");
        if (format == null || !format.isJsonPrimitive() || !FORMAT.equals(format.getAsString())) {
            throw new CheckpointException(source + " is not a ray-lightning checkpoint");
        }
        long version = j.integer(meta, "formatVersion", 1, Integer.MAX_VALUE);
        if (version > Checkpoint.FORMAT_VERSION) {
            throw new CheckpointException(source + " has format version " + version + "; this library reads up to "
                    + Checkpoint.FORMAT_VERSION);
        }
        String moduleClass = j.string(meta, "moduleClass");
        JsonObject l = j.object(meta, "loop");
        IndexJson jl = j.in("loop");
        LoopPosition loop = new LoopPosition((int) jl.integer(l, "epoch", 0, Integer.MAX_VALUE),
                (int) jl.integer(l, "batchesDone", 0, Integer.MAX_VALUE), jl.integer(l, "globalStep", 0, Long.MAX_VALUE),
                l.has("samplesBefore") ? jl.integer(l, "samplesBefore", 0, Integer.MAX_VALUE) : 0);
        List<ArraySpec> weights = arrays(j, meta);
        long weightsBytes = j.integer(meta, "weightsBytes", 0, Long.MAX_VALUE);
        long expected = 0;
        for (ArraySpec a : weights) {
            expected += 4L * a.count(); // at most 2^31 arrays of under 2^33 bytes: no overflow
        }
        if (weightsBytes != expected) {
            throw j.refuse("weightsBytes", "is " + weightsBytes + " but the shapes need " + expected);
        }
        String weightsSha = sha(j, meta, "weightsSha256");
        OptimizerSpec optimizer = meta.has("optimizer") && !meta.get("optimizer").isJsonNull()
                ? optimizer(j.in("optimizer"), j.object(meta, "optimizer"), weights) : null;
        return new CheckpointIndex(moduleClass, loop, j.plainObject(meta, "hyperParameters"),
                j.objectOfObjects(meta, "callbacks"), j.plainObject(meta, "extra"), weights, weightsBytes, weightsSha,
                optimizer);
    }

    private static List<ArraySpec> arrays(IndexJson j, JsonObject meta) {
        JsonArray list = j.array(meta, "weights");
        List<ArraySpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "weights[" + i + "]";
            JsonElement e = list.get(i);
            if (!e.isJsonObject()) {
                throw j.refuse(at, "is not an object");
            }
            JsonObject o = e.getAsJsonObject();
            IndexJson ja = j.in(at);
            String name = ja.string(o, "name");
            if (name.isEmpty() || !names.add(name)) {
                throw ja.refuse("name", "is empty or repeated: '" + IndexJson.shorten(name) + "'");
            }
            JsonArray dims = ja.array(o, "shape");
            if (dims.size() > MAX_DIMS) {
                throw ja.refuse("shape", "has " + dims.size() + " dimensions, at most " + MAX_DIMS);
            }
            long[] shape = new long[dims.size()];
            long count = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = ja.integer(dims.get(d), "shape[" + d + "]", 0, Integer.MAX_VALUE);
                count *= shape[d]; // both factors are at most 2^31 - 1 before the check below
                if (count > Integer.MAX_VALUE) {
                    throw ja.refuse("shape", "holds more values than one array can");
                }
            }
            out.add(new ArraySpec(name, shape, (int) count));
        }
        return out;
    }

    private static OptimizerSpec optimizer(IndexJson j, JsonObject o, List<ArraySpec> weights) {
        String kind = j.string(o, "kind");
        if (kind.isEmpty()) {
            throw j.refuse("kind", "is empty");
        }
        long[] updates = j.integers(o, "updates", 0, Long.MAX_VALUE);
        double lr = j.finite(o, "learningRate");
        if (lr < 0) {
            throw j.refuse("learningRate", "is negative: " + lr);
        }
        int[] widths = j.ints(o, "buffersPerParameter", 0, MAX_BUFFERS_PER_PARAMETER);
        int[] lengths = j.ints(o, "bufferLengths", 0, Integer.MAX_VALUE);
        if (widths.length != updates.length) {
            throw j.refuse("buffersPerParameter", "has " + widths.length + " entries, updates has "
                    + updates.length);
        }
        long buffers = 0;
        for (int w : widths) {
            buffers += w;
        }
        if (buffers != lengths.length) {
            throw j.refuse("bufferLengths", "has " + lengths.length + " entries for " + buffers + " buffers");
        }
        // a checkpoint with weights keeps one state per weight array, each buffer the array's size
        if (!weights.isEmpty()) {
            if (updates.length != weights.size()) {
                throw j.refuse("updates", "covers " + updates.length + " parameters, the weights "
                        + weights.size());
            }
            int k = 0;
            for (int i = 0; i < widths.length; i++) {
                for (int b = 0; b < widths[i]; b++, k++) {
                    if (lengths[k] != weights.get(i).count()) {
                        throw j.refuse("bufferLengths[" + k + "]", "is " + lengths[k] + ", parameter "
                                + weights.get(i).name() + " has " + weights.get(i).count() + " values");
                    }
                }
            }
        }
        long bytes = j.integer(o, "bytes", 0, Long.MAX_VALUE);
        long expected = 0;
        for (int len : lengths) {
            expected += 4L * len;
        }
        if (bytes != expected) {
            throw j.refuse("bytes", "is " + bytes + " but the buffer lengths need " + expected);
        }
        return new OptimizerSpec(kind, updates, lr, widths, lengths, bytes, sha(j, o, "sha256"));
    }

    private static String sha(IndexJson j, JsonObject o, String key) {
        String s = j.string(o, key);
        if (!SHA256.matcher(s).matches()) {
            throw j.refuse(key, "is not a SHA-256 in hex");
        }
        return s;
    }
}
