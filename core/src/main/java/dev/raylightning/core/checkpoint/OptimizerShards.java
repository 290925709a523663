package dev.raylightning.core.checkpoint;

import dev.raylightning.core.optim.ParameterOptimizer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Optimizer state written as one file per rank beside the checkpoint, so that no process ever
 * holds all of it while saving (a sharded strategy's {@code shardedCheckpoints} option). The
 * checkpoint itself has no optimizer entry; its extra entry {@value #INDEX_KEY} names the shard
 * files. Each shard file is a checkpoint too (same format, same checks, no weights) whose
 * optimizer state covers the runs of parameter elements its rank owned, listed in its extra entry
 * {@value #SHARD_KEY}. Reading puts the runs back together into the state of one process, which
 * any strategy then loads (a sharded one re-partitions it for its own world size).
 */
public final class OptimizerShards {

    /** Extra entry of a checkpoint whose optimizer state lives in shard files. */
    public static final String INDEX_KEY = "ray-lightning.optimizerShards";
    /** Extra entry of a shard file: which parameter elements its state covers. */
    public static final String SHARD_KEY = "ray-lightning.optimizerShard";

    private OptimizerShards() {}

    /**
     * A run of one parameter's elements a shard holds state for.
     *
     * @param parameter the parameter's index in block order
     * @param offset where the run starts inside the parameter
     * @param length elements in the run
     */
    public record Run(int parameter, int offset, int length) {}

    /** The file name of rank {@code rank}'s shard of the checkpoint at {@code checkpoint}. */
    public static Path shardPath(Path checkpoint, int rank, int worldSize) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".optim-" + rank + "-of-" + worldSize);
    }

    /** {@code checkpoint} with the index of its shard files added (for rank zero to write). */
    public static Checkpoint withIndex(Checkpoint checkpoint, Path path, int worldSize, long[] parameterSizes) {
        Map<String, Object> index = new LinkedHashMap<>();
        List<String> files = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            files.add(shardPath(path, r, worldSize).getFileName().toString());
        }
        index.put("files", files);
        index.put("parameterSizes", toList(parameterSizes));
        Map<String, Object> extra = new LinkedHashMap<>(checkpoint.extra());
        extra.put(INDEX_KEY, index);
        return new Checkpoint(checkpoint.moduleClass(), checkpoint.loop(), checkpoint.weights(), null,
                checkpoint.hyperParameters(), checkpoint.callbackStates(), extra);
    }

    /** Writes one rank's shard: its state over {@code runs} (one state "parameter" per run). */
    public static void writeShard(Path checkpoint, int rank, int worldSize, List<Run> runs,
            ParameterOptimizer.State state) {
        if (state.updates().length != runs.size()) {
            throw new IllegalArgumentException(runs.size() + " runs but state for " + state.updates().length);
        }
        List<Object> described = new ArrayList<>();
        for (Run r : runs) {
            described.add(List.of(r.parameter(), r.offset(), r.length()));
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put(SHARD_KEY, Map.of("rank", rank, "worldSize", worldSize, "runs", described));
        CheckpointIO.write(new Checkpoint("optimizer-shard", LoopPosition.START, new ModelState(List.of()), state,
                Map.of(), Map.of(), extra), shardPath(checkpoint, rank, worldSize));
    }

    /** Whether a checkpoint keeps its optimizer state in shard files. */
    public static boolean isSharded(Checkpoint checkpoint) {
        return checkpoint.optimizer().isEmpty() && checkpoint.extra().containsKey(INDEX_KEY);
    }

    /**
     * The state of one process, put together from the shard files a checkpoint names (beside it).
     * Everything is checked first: file names are plain names in the checkpoint's directory, each
     * shard passes the checkpoint checks, every parameter element is covered exactly once, and all
     * shards agree on kind, width and step count.
     */
    public static Optional<ParameterOptimizer.State> read(Path checkpointPath, Checkpoint checkpoint) {
        if (!isSharded(checkpoint)) {
            return Optional.empty();
        }
        try {
            Map<?, ?> index = (Map<?, ?>) checkpoint.extra().get(INDEX_KEY);
            List<Path> shards = new ArrayList<>();
            for (Object name : (List<?>) index.get("files")) {
                shards.add(sibling(checkpointPath, String.valueOf(name)));
            }
            long[] sizes = ((List<?>) index.get("parameterSizes")).stream().mapToLong(OptimizerShards::whole).toArray();
            // the sizes must be those of the checkpoint's own weights: nothing is allocated beyond them
            List<NamedArray> weights = checkpoint.weights().arrays();
            if (sizes.length != weights.size()) {
                throw new CheckpointException(checkpointPath + ": the shard index lists " + sizes.length
                        + " parameters, the checkpoint has " + weights.size());
            }
            for (int i = 0; i < sizes.length; i++) {
                if (sizes[i] != weights.get(i).values().length) {
                    throw new CheckpointException(checkpointPath + ": the shard index gives parameter " + i + " "
                            + sizes[i] + " values, the checkpoint " + weights.get(i).values().length);
                }
            }
            String kind = null;
            double lr = 0;
            long steps = -1;
            int width = -1;
            float[][][] assembled = null;
            int[][] covered = new int[sizes.length][];
            for (int i = 0; i < sizes.length; i++) {
                covered[i] = new int[Math.toIntExact(sizes[i])];
            }
            for (Path shard : shards) {
                Checkpoint c = CheckpointIO.read(shard);
                ParameterOptimizer.State s = c.optimizer().orElseThrow(
                        () -> new CheckpointException(shard + " holds no optimizer state"));
                List<?> runs = (List<?>) ((Map<?, ?>) c.extra().get(SHARD_KEY)).get("runs");
                if (runs.size() != s.updates().length) {
                    throw new CheckpointException(shard + " lists " + runs.size() + " runs for "
                            + s.updates().length + " state entries");
                }
                if (runs.isEmpty()) {
                    continue; // a rank that owned nothing
                }
                int w = s.buffersPerParameter()[0];
                if (kind == null) {
                    kind = s.kind();
                    lr = s.learningRate();
                    width = w;
                    assembled = new float[Math.max(0, width)][][];
                    for (int k = 0; k < width; k++) {
                        assembled[k] = new float[sizes.length][];
                        for (int i = 0; i < sizes.length; i++) {
                            assembled[k][i] = new float[Math.toIntExact(sizes[i])];
                        }
                    }
                } else if (!kind.equals(s.kind()) || w != width) {
                    throw new CheckpointException(shard + " disagrees with the other shards on the optimizer");
                }
                for (int g = 0; g < runs.size(); g++) {
                    List<?> run = (List<?>) runs.get(g);
                    long pl = whole(run.get(0));
                    long offl = whole(run.get(1));
                    long lenl = whole(run.get(2));
                    if (run.size() != 3 || pl < 0 || pl >= sizes.length || offl < 0 || lenl < 0
                            || offl + lenl > sizes[(int) pl] || s.buffersPerParameter()[g] != width) {
                        throw new CheckpointException(shard + " has a run outside the parameters: " + run);
                    }
                    int p = (int) pl;
                    int off = (int) offl;
                    int len = (int) lenl;
                    if (steps < 0) {
                        steps = s.updates()[g];
                    } else if (steps != s.updates()[g]) {
                        throw new CheckpointException(shard + " disagrees with the other shards on the step count");
                    }
                    for (int e = off; e < off + len; e++) {
                        covered[p][e]++;
                    }
                    for (int k = 0; k < width; k++) {
                        float[] part = s.buffers().get(g * width + k);
                        if (part.length != len) {
                            throw new CheckpointException(shard + ": a state buffer does not fit its run");
                        }
                        System.arraycopy(part, 0, assembled[k][p], off, len);
                    }
                }
            }
            for (int i = 0; i < covered.length; i++) {
                for (int c : covered[i]) {
                    if (c != 1) {
                        throw new CheckpointException(checkpointPath + ": the shard files cover an element of parameter "
                                + i + " " + c + " times instead of once");
                    }
                }
            }
            long[] updates = new long[sizes.length];
            int[] widths = new int[sizes.length];
            List<float[]> buffers = new ArrayList<>();
            for (int i = 0; i < sizes.length; i++) {
                updates[i] = Math.max(0, steps);
                widths[i] = Math.max(0, width);
                for (int k = 0; k < width; k++) {
                    buffers.add(assembled[k][i]);
                }
            }
            return Optional.of(new ParameterOptimizer.State(kind == null ? "SGD" : kind, updates, lr, widths, buffers));
        } catch (ClassCastException | NullPointerException | ArithmeticException | IndexOutOfBoundsException
                | IllegalArgumentException e) {
            throw new CheckpointException(checkpointPath + " has a malformed index of optimizer shards: " + e, e);
        }
    }

    /**
     * Deletes a checkpoint and its shard files, if any: the files beside it named as
     * {@link #shardPath} names them (found by name, so the checkpoint is not read to delete it).
     */
    public static void delete(Path checkpoint) throws IOException {
        Path dir = checkpoint.toAbsolutePath().getParent();
        if (dir != null && Files.isDirectory(dir)) {
            Pattern shard = Pattern.compile(Pattern.quote(checkpoint.getFileName().toString()) + "\\.optim-\\d+-of-\\d+");
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    if (shard.matcher(f.getFileName().toString()).matches()) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        }
        Files.deleteIfExists(checkpoint);
    }

    /** A whole number from the index (JSON numbers come back as doubles). */
    private static long whole(Object v) {
        double d = ((Number) v).doubleValue();
        if (d != Math.rint(d) || Math.abs(d) > 1L << 53) {
            throw new IllegalArgumentException("not a whole number: " + v);
        }
        return (long) d;
    }

    /** A file beside {@code checkpoint}, refusing names that would lead anywhere else. */
    private static Path sibling(Path checkpoint, String name) {
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
            throw new CheckpointException(checkpoint + " names a shard file outside its directory: '" + name + "'");
        }
        return checkpoint.resolveSibling(name);
    }

    private static List<Long> toList(long[] values) {
        List<Long> out = new ArrayList<>();
        for (long v : values) {
            out.add(v);
        }
        return out;
    }
}
