package dev.raylightning.tune.results;

import com.google.gson.JsonObject;
import dev.raylightning.core.util.Checks;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One experiment's folder, {@code <storage>/<name>/}, laid out as Ray Tune lays it out:
 *
 * <pre>
 * experiment_state.json          the resumable state ({@link #saveState})
 * trial_&lt;id&gt;/params.json         the trial's config
 * trial_&lt;id&gt;/result.json         one JSON object per report
 * trial_&lt;id&gt;/progress.csv        one row per report
 * trial_&lt;id&gt;/checkpoint_000003/  checkpoints, by training iteration
 * trial_&lt;id&gt;/error.txt           one block per failure
 * </pre>
 *
 * <p>Whole files (params, state, checkpoints) are replaced atomically, so a reader or a crash
 * never sees half of one. Methods are thread-safe within one instance; failures to read or write
 * surface as {@link UncheckedIOException}.
 */
public final class ExperimentDirectory {

    public static final String STATE_FILE = "experiment_state.json";
    public static final String PARAMS_FILE = "params.json";
    public static final String RESULT_FILE = "result.json";
    public static final String PROGRESS_FILE = "progress.csv";
    public static final String ERROR_FILE = "error.txt";

    // Ray's date_str() layout, used in the header of each error block.
    private static final DateTimeFormatter ERROR_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss");
    private static final String FAILURE_HEADER = "Failure # ";

    private final Path path;
    private final Clock clock;

    private ExperimentDirectory(Path path, Clock clock) {
        this.path = path.toAbsolutePath().normalize();
        this.clock = clock;
    }

    /** Creates (if needed) and returns {@code storage/name}. */
    public static ExperimentDirectory create(Path storage, String name) {
        return create(storage, name, Clock.systemDefaultZone());
    }

    static ExperimentDirectory create(Path storage, String name, Clock clock) {
        Path dir = storage.resolve(Checks.checkPathElement(name, "experiment name"));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create experiment directory " + dir, e);
        }
        return new ExperimentDirectory(dir, clock);
    }

    /** An existing experiment directory, to resume or analyse it. */
    public static ExperimentDirectory open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no experiment directory at " + dir);
        }
        return new ExperimentDirectory(dir, Clock.systemDefaultZone());
    }

    /** The experiment directory (absolute). */
    public Path path() {
        return path;
    }

    /** {@code trial_<trialId>} inside the experiment directory; it exists once something was written there. */
    public Path trialDir(String trialId) {
        return path.resolve(trialDirName(trialId));
    }

    /** Writes {@code params.json}: the config as {@link TrialConfig#toJson()} prints it. */
    public synchronized void writeParams(String trialId, TrialConfig config) {
        AtomicFiles.write(trialDir(trialId).resolve(PARAMS_FILE), config.toJson() + "\n");
    }

    /**
     * Records one report: a line of {@code result.json} (the result's {@link TrialResult#asRow()}
     * plus {@code "config"}) and a row of {@code progress.csv} (the same row with the config
     * flattened into {@code config/<dotted key>} columns).
     */
    public synchronized void appendResult(String trialId, TrialConfig config, TrialResult result) {
        Path dir = trialDir(trialId);
        Map<String, Object> row = result.asRow();
        JsonObject line = Json.element(row).getAsJsonObject();
        line.add("config", Json.parse(config.toJson()));
        try {
            Files.createDirectories(dir);
            AtomicFiles.append(dir.resolve(RESULT_FILE), Json.GSON.toJson(line) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve(RESULT_FILE), e);
        }
        Map<String, Object> csvRow = new LinkedHashMap<>(row);
        csvRow.putAll(ConfigColumns.of(config));
        ProgressCsv.append(dir.resolve(PROGRESS_FILE), csvRow);
    }

    /**
     * Stores a checkpoint file as {@code checkpoint_<iteration, 6 digits>/<filename>}, atomically.
     *
     * @return its path relative to the trial directory, the form {@link TrialResult#checkpoint()} holds
     */
    public synchronized Path writeCheckpoint(String trialId, long iteration, String filename, byte[] bytes) {
        if (iteration < 0) {
            throw new IllegalArgumentException("checkpoint iteration must be >= 0, got " + iteration);
        }
        Path relative = Path.of(checkpointDirName(iteration), Checks.checkPathElement(filename, "checkpoint file name"));
        AtomicFiles.write(trialDir(trialId).resolve(relative), bytes);
        return relative;
    }

    /**
     * Deletes a checkpoint (its file and, when empty, its directory). Results that named it keep
     * the name; {@link ExperimentAnalysis#bestCheckpoint()} only returns files that exist.
     */
    public synchronized void deleteCheckpoint(String trialId, String relative) {
        Path file = resolveCheckpoint(trialId, relative);
        try {
            Files.deleteIfExists(file);
            Path parent = file.getParent();
            if (!parent.equals(trialDir(trialId))) {
                try (var left = Files.list(parent)) {
                    if (left.findAny().isEmpty()) {
                        Files.delete(parent);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete checkpoint " + file, e);
        }
    }

    /** {@code checkpoint_000042} for iteration 42. */
    public static String checkpointDirName(long iteration) {
        return String.format("checkpoint_%06d", iteration);
    }

    /**
     * Copies a checkpoint of one trial into another's directory, as
     * {@code exploited_<sourceTrialId>_<checkpoint dir>/<file>} (population-based training).
     *
     * @return the copy's path relative to the receiving trial's directory
     */
    public synchronized Path copyCheckpoint(String fromTrialId, String relative, String toTrialId) {
        Path from = resolveCheckpoint(fromTrialId, relative);
        Path rel = Path.of("exploited_" + fromTrialId + "_" + from.getParent().getFileName(), from.getFileName().toString());
        try {
            AtomicFiles.write(trialDir(toTrialId).resolve(rel), Files.readAllBytes(from));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy checkpoint " + from, e);
        }
        return rel;
    }

    /** The absolute path of a checkpoint given relative to the trial directory; refuses paths leaving it. */
    public Path resolveCheckpoint(String trialId, String relative) {
        Path dir = trialDir(trialId);
        Path resolved = dir.resolve(relative).normalize();
        if (!resolved.startsWith(dir)) {
            throw new IllegalArgumentException("checkpoint " + relative + " is outside trial directory " + dir);
        }
        return resolved;
    }

    /**
     * Appends a failure to {@code error.txt} as a block headed {@code Failure # n (occurred at time)},
     * as Ray does, so a trial retried several times keeps every failure.
     */
    public synchronized void writeError(String trialId, String text) {
        Path file = trialDir(trialId).resolve(ERROR_FILE);
        try {
            Files.createDirectories(file.getParent());
            long previous = Files.isRegularFile(file)
                    ? Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith(FAILURE_HEADER)).count()
                    : 0;
            String block = FAILURE_HEADER + (previous + 1) + " (occurred at " + LocalDateTime.now(clock).format(ERROR_TIME)
                    + ")\n" + text.stripTrailing() + "\n\n";
            AtomicFiles.append(file, block);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }

    /** Replaces {@code experiment_state.json} atomically. */
    public synchronized void saveState(ExperimentState state) {
        AtomicFiles.write(path.resolve(STATE_FILE), StateJson.write(state));
    }

    /** The saved state, or empty when none was saved yet. */
    public synchronized Optional<ExperimentState> loadState() {
        Path file = path.resolve(STATE_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(StateJson.read(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }

    // TrialSnapshot owns the naming rule; a stub snapshot lets us apply it to a bare id.
    private static String trialDirName(String trialId) {
        Checks.checkPathElement(trialId, "trial id");
        return new TrialSnapshot(trialId, TrialConfig.empty(), TrialStatus.PENDING, List.of(), null, 0, null).dirName();
    }
}
