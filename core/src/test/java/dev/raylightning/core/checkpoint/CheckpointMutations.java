package dev.raylightning.core.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Seeded mutations of one real checkpoint file: truncations, byte flips, edits of the ZIP
 * headers, edited index values and types, negative and huge shapes, and entries that inflate
 * far beyond what they declare. The same seed gives the same mutations.
 */
final class CheckpointMutations {

    record Mutation(String kind, String detail, byte[] bytes) {}

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private static final String META = "checkpoint.json";

    private final byte[] original;
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private final JsonObject index;
    private final Random random;
    private final List<Mutation> out = new ArrayList<>();

    private CheckpointMutations(Path checkpoint, byte[] original, long seed) {
        this.original = original;
        this.random = new Random(seed);
        try (ZipFile zip = new ZipFile(checkpoint.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                entries.put(e.getName(), zip.getInputStream(e).readAllBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        index = JsonParser.parseString(new String(entries.get(META), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    /** Every mutation of the checkpoint at {@code checkpoint} (whose bytes are {@code original}). */
    static List<Mutation> of(Path checkpoint, byte[] original, long seed) {
        CheckpointMutations m = new CheckpointMutations(checkpoint, original, seed);
        m.truncations(150);
        m.byteFlips(400);
        m.headerEdits(120);
        m.indexEdits(420);
        m.shapeEdits();
        m.optimizerEdits();
        m.inflatedEntries();
        return m.out;
    }

    private void truncations(int n) {
        for (int i = 0; i < n; i++) {
            int len = i < 4 ? new int[] {0, 1, 4, original.length - 1}[i] : random.nextInt(original.length);
            out.add(new Mutation("truncation", "first " + len + " bytes", Arrays.copyOf(original, len)));
        }
    }

    private void byteFlips(int n) {
        for (int i = 0; i < n; i++) {
            byte[] b = original.clone();
            int flips = 1 + random.nextInt(3);
            StringBuilder detail = new StringBuilder();
            for (int f = 0; f < flips; f++) {
                int at = random.nextInt(b.length);
                int mask = 1 + random.nextInt(255);
                b[at] ^= (byte) mask;
                detail.append(at).append('^').append(mask).append(' ');
            }
            out.add(new Mutation("byte flip", detail.toString().trim(), b));
        }
    }

    /** Overwrites a random 2- or 4-byte field of a local or central header, or the end record. */
    private void headerEdits(int n) {
        List<Integer> headers = new ArrayList<>();
        for (int i = 0; i + 4 <= original.length; i++) {
            int sig = ByteBuffer.wrap(original, i, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (sig == 0x04034b50 || sig == 0x02014b50 || sig == 0x06054b50) {
                headers.add(i);
            }
        }
        int[] values = {0, 1, -1, 0x7fffffff, 0x80000000, 0xffff, 22, 1 << 30};
        for (int i = 0; i < n; i++) {
            int header = headers.get(random.nextInt(headers.size()));
            int at;
            boolean wide;
            if (random.nextInt(5) == 0) {
                // any field, also those no reader looks at (times, versions, comments)
                at = header + 4 + 2 * random.nextInt(13);
                wide = random.nextBoolean();
            } else {
                int[][] read = readFields(ByteBuffer.wrap(original, header, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
                int[] field = read[random.nextInt(read.length)];
                at = header + field[0];
                wide = field[1] == 4;
            }
            int v = random.nextInt(3) == 0 ? random.nextInt() : values[random.nextInt(values.length)];
            if (at + (wide ? 4 : 2) > original.length) {
                at = original.length - 4;
            }
            byte[] b = original.clone();
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (wide) {
                buf.putInt(at, v);
            } else {
                buf.putShort(at, (short) v);
            }
            out.add(new Mutation("zip header", "offset " + at + (wide ? " int " : " short ") + v, b));
        }
    }

    /** Offsets and widths of the fields readers use: method, CRC, sizes, name and extra lengths, offsets, counts. */
    private static int[][] readFields(int signature) {
        return switch (signature) {
            case 0x04034b50 -> new int[][] {{8, 2}, {26, 2}, {28, 2}};
            case 0x02014b50 -> new int[][] {{10, 2}, {16, 4}, {20, 4}, {24, 4}, {28, 2}, {30, 2}, {32, 2}, {42, 4}};
            default -> new int[][] {{8, 2}, {10, 2}, {12, 4}, {16, 4}};
        };
    }

    private JsonElement[] oddValues() {
        JsonObject obj = new JsonObject();
        obj.addProperty("a", 1);
        JsonArray arr = new JsonArray();
        arr.add(1);
        arr.add("x");
        return new JsonElement[] {JsonNull.INSTANCE, new JsonPrimitive("x"), new JsonPrimitive(""),
            new JsonPrimitive(-1), new JsonPrimitive(0), new JsonPrimitive(1), new JsonPrimitive(1.5),
            new JsonPrimitive(2147483648L), new JsonPrimitive(-2147483649L), new JsonPrimitive(Long.MAX_VALUE),
            new JsonPrimitive(new BigInteger("99999999999999999999999")), new JsonPrimitive(1e300),
            new JsonPrimitive(Double.NaN), new JsonPrimitive(true), new JsonObject(), new JsonArray(), obj, arr,
            new JsonPrimitive("../../../outside.ckpt"), new JsonPrimitive("x".repeat(10_000))};
    }

    /** Replaces (or removes) a random value anywhere in the index. */
    private void indexEdits(int n) {
        List<List<String>> paths = new ArrayList<>();
        collect(index, List.of(), paths);
        JsonElement[] odd = oddValues();
        for (int i = 0; i < n; i++) {
            List<String> path = paths.get(random.nextInt(paths.size()));
            int choice = random.nextInt(odd.length + 1);
            JsonElement value = choice == odd.length ? null : odd[choice];
            String shown = value == null ? "removed" : value.toString();
            add("index value", String.join("/", path) + " = " + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown),
                    root -> set(root, path, value));
        }
    }

    private void shapeEdits() {
        long[] dims = {-1, -2147483648L, 2147483648L, 1L << 40, 65536, 46341};
        JsonArray weights = index.getAsJsonArray("weights");
        for (int w = 0; w < weights.size(); w++) {
            final int arrayIndex = w;
            int rank = weights.get(w).getAsJsonObject().getAsJsonArray("shape").size();
            for (long d : dims) {
                for (boolean consistent : new boolean[] {false, true}) {
                    List<String> path = List.of("weights", "" + w, "shape", "" + (rank - 1));
                    add("shape", String.join("/", path) + " = " + d + (consistent ? " with weightsBytes to match" : ""), root -> {
                        set(root, path, new JsonPrimitive(d));
                        if (consistent) {
                            root.addProperty("weightsBytes", weightsBytes(root.getAsJsonArray("weights")));
                        }
                    });
                    if (d == 65536 || d == 46341) {
                        add("shape", "weights/" + w + "/shape = [" + d + ", " + d + "]", root -> {
                            JsonArray shape = new JsonArray();
                            shape.add(d);
                            shape.add(d);
                            root.getAsJsonArray("weights").get(arrayIndex).getAsJsonObject().add("shape", shape);
                            if (consistent) {
                                root.addProperty("weightsBytes", weightsBytes(root.getAsJsonArray("weights")));
                            }
                        });
                    }
                }
            }
            add("shape", "weights/" + w + "/shape with 40 dimensions", root -> {
                JsonArray shape = new JsonArray();
                for (int i = 0; i < 40; i++) {
                    shape.add(1);
                }
                root.getAsJsonArray("weights").get(arrayIndex).getAsJsonObject().add("shape", shape);
            });
        }
    }

    private void optimizerEdits() {
        String[] fields = {"bufferLengths/0", "buffersPerParameter/0", "updates/0", "bytes", "learningRate"};
        long[] values = {-1, 2147483647L, 2147483648L, 1L << 40, 1_000_000_000};
        for (String f : fields) {
            for (long v : values) {
                List<String> path = new ArrayList<>(List.of("optimizer"));
                path.addAll(List.of(f.split("/")));
                add("optimizer", String.join("/", path) + " = " + v, root -> set(root, path, new JsonPrimitive(v)));
            }
        }
    }

    /** Entries that inflate to far more than declared, or declare more than the heap holds. */
    private void inflatedEntries() {
        byte[] meta = entries.get(META);
        for (String name : entries.keySet()) {
            for (int mib : new int[] {64, 2048}) {
                RawZip.Entry bomb = RawZip.zeros(name, mib);
                long realSize = entries.get(name).length;
                out.add(zip("inflated entry", name + ": " + mib + " MiB of zeros, declared as such", name, bomb, null));
                out.add(zip("inflated entry", name + ": " + mib + " MiB of zeros, declared " + realSize + " bytes", name,
                        bomb.withDeclaredSize(realSize), null));
                if (!name.equals(META)) {
                    // the index agrees with the bomb: one array of that many values
                    JsonObject root = index.deepCopy();
                    String key = name.equals("weights.bin") ? "weightsBytes" : "bytes";
                    JsonObject owner = name.equals("weights.bin") ? root : root.getAsJsonObject("optimizer");
                    owner.addProperty(key, (long) mib << 20);
                    if (name.equals("weights.bin")) {
                        JsonArray shape = new JsonArray();
                        shape.add((long) mib << 18);
                        JsonObject a = root.getAsJsonArray("weights").get(0).getAsJsonObject();
                        a.add("shape", shape);
                        JsonArray only = new JsonArray();
                        only.add(a);
                        root.add("weights", only);
                    }
                    out.add(zip("inflated entry", name + ": " + mib + " MiB of zeros, the index agrees", name, bomb,
                            GSON.toJson(root).getBytes(StandardCharsets.UTF_8)));
                }
            }
            byte[] data = entries.get(name);
            RawZip.Entry honest = RawZip.Entry.of(name, data);
            for (long lie : new long[] {0, data.length - 1L, data.length + 1L, 0xffffffffL}) {
                out.add(zip("declared size", name + " declared " + lie + " of " + data.length, name,
                        honest.withDeclaredSize(lie), null));
            }
            out.add(zip("declared crc", name + " with a wrong CRC-32", name, honest.withCrc(honest.crc() ^ 1), null));
        }
        out.add(zip("declared size", "index of " + meta.length + " bytes declared 5 MiB", META,
                RawZip.Entry.of(META, meta).withDeclaredSize(5 << 20), null));
    }

    /** The checkpoint rebuilt with {@code replaced} in place of its entry, and optionally a new index. */
    private Mutation zip(String kind, String detail, String name, RawZip.Entry replaced, byte[] newIndex) {
        List<RawZip.Entry> list = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            if (e.getKey().equals(name)) {
                list.add(replaced);
            } else if (e.getKey().equals(META) && newIndex != null) {
                list.add(RawZip.Entry.of(META, newIndex));
            } else {
                list.add(RawZip.Entry.of(e.getKey(), e.getValue()));
            }
        }
        return new Mutation(kind, detail, RawZip.build(list));
    }

    private void add(String kind, String detail, Consumer<JsonObject> edit) {
        JsonObject root = index.deepCopy();
        edit.accept(root);
        out.add(zip(kind, detail, META, RawZip.Entry.of(META, GSON.toJson(root).getBytes(StandardCharsets.UTF_8)),
                null));
    }

    private static long weightsBytes(JsonArray weights) {
        long total = 0;
        for (JsonElement w : weights) {
            long n = 1;
            for (JsonElement d : w.getAsJsonObject().getAsJsonArray("shape")) {
                n *= d.getAsLong();
            }
            total += 4 * n;
        }
        return total;
    }

    private static void collect(JsonElement e, List<String> path, List<List<String>> paths) {
        if (!path.isEmpty()) {
            paths.add(path);
        }
        if (e.isJsonObject()) {
            for (String k : e.getAsJsonObject().keySet()) {
                collect(e.getAsJsonObject().get(k), append(path, k), paths);
            }
        } else if (e.isJsonArray()) {
            for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                collect(e.getAsJsonArray().get(i), append(path, "" + i), paths);
            }
        }
    }

    private static List<String> append(List<String> path, String part) {
        List<String> out = new ArrayList<>(path);
        out.add(part);
        return out;
    }

    /** Sets (or, for null, removes) the value at a path of object keys and array indexes. */
    private static void set(JsonObject root, List<String> path, JsonElement value) {
        JsonElement at = root;
        for (String part : path.subList(0, path.size() - 1)) {
            at = at.isJsonObject() ? at.getAsJsonObject().get(part) : at.getAsJsonArray().get(Integer.parseInt(part));
        }
        String last = path.get(path.size() - 1);
        if (at.isJsonObject()) {
            if (value == null) {
                at.getAsJsonObject().remove(last);
            } else {
                at.getAsJsonObject().add(last, value);
            }
        } else {
            JsonArray a = at.getAsJsonArray();
            if (value == null) {
                a.remove(Integer.parseInt(last));
            } else {
                a.set(Integer.parseInt(last), value);
            }
        }
    }
}
