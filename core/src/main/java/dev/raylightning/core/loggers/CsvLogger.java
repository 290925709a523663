package dev.raylightning.core.loggers;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/**
 * Lightning's {@code CSVLogger}: writes {@code saveDir/name/version_N/metrics.csv} and
 * {@code hparams.yaml}.
 *
 * <p>Rows are buffered and appended every {@code flushLogsEveryNSteps} steps (when
 * {@code (step + 1) % n == 0}) and on {@link #save()}, {@link #finish(String)} and
 * {@link #close()}. The header is {@code step} plus every metric key seen so far, sorted; when a
 * new key appears the file is rewritten with the wider header and earlier rows get empty cells,
 * exactly as Lightning does. Values are formatted like Python floats; {@code step} and a whole
 * {@code epoch} are written as integers.
 *
 * <p>The version directory is created when the logger is built, which reserves the version number
 * for later loggers in the same root. A pre-existing {@code metrics.csv} in it is deleted, as in
 * Lightning. Methods are synchronized, so one or more threads may share an instance.
 */
public final class CsvLogger implements Logger {

    /** Name of the metrics file inside the version directory. */
    public static final String METRICS_FILE = "metrics.csv";
    /** Name of the hyper-parameter file inside the version directory. */
    public static final String HPARAMS_FILE = HparamsYaml.FILE_NAME;

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CsvLogger.class);
    private static final String STEP = "step";
    private static final String EPOCH = "epoch";

    private final Path saveDir;
    private final String name;
    private final String version;
    private final Path logDir;
    private final Path metricsFile;
    private final String prefix;
    private final int flushLogsEveryNSteps;

    /** Buffered rows; a null cell is printed bare, since Commons CSV would quote a leading "". */
    private final List<Map<String, String>> pending = new ArrayList<>();
    /** Columns already in the file on disk, sorted. */
    private final List<String> columns = new ArrayList<>();
    private final Map<String, Object> hparams = new LinkedHashMap<>();

    /** A logger under {@code saveDir/lightning_logs/version_N} with the next free N. */
    public CsvLogger(Path saveDir) {
        this(builder(saveDir));
    }

    private CsvLogger(Builder b) {
        this.saveDir = b.saveDir;
        this.name = b.name;
        this.prefix = b.prefix;
        this.flushLogsEveryNSteps = b.flushLogsEveryNSteps;
        Path root = LogDirs.root(saveDir, name);
        this.version = LogDirs.versionName(root, b.versionNumber, b.versionText);
        this.logDir = root.resolve(version);
        this.metricsFile = logDir.resolve(METRICS_FILE);
        if (LogDirs.nonEmpty(logDir)) {
            LOG.warn("Experiment logs directory {} exists and is not empty; its metrics.csv will be replaced", logDir);
        }
        LogDirs.create(logDir);
        try {
            // Rows from an earlier run would otherwise be mixed with ours under a stale header.
            Files.deleteIfExists(metricsFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + metricsFile, e);
        }
    }

    /** Starts a builder; {@code saveDir} is required. */
    public static Builder builder(Path saveDir) {
        return new Builder(saveDir);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public Optional<Path> logDir() {
        return Optional.of(logDir);
    }

    /** The directory passed as {@code saveDir}. */
    public Path saveDir() {
        return saveDir;
    }

    /** The metrics file, {@code logDir/metrics.csv}; it exists after the first flush. */
    public Path metricsFile() {
        return metricsFile;
    }

    /** Merges params into the stored hyper-parameters and rewrites {@code hparams.yaml} now. */
    @Override
    public synchronized void logHyperparams(Map<String, Object> params) {
        Objects.requireNonNull(params, "params");
        hparams.putAll(HparamsYaml.sanitize(params));
        // Hyper-parameters are small and logged once, so write them at once rather than
        // risk losing them to a crash before the next flush.
        HparamsYaml.write(logDir, hparams);
    }

    /**
     * Buffers one row; null values become empty cells. Flushes when
     * {@code (step + 1) % flushLogsEveryNSteps == 0}.
     */
    @Override
    public synchronized void logMetrics(Map<String, Double> metrics, long step) {
        Objects.requireNonNull(metrics, "metrics");
        Map<String, String> row = new LinkedHashMap<>();
        metrics.forEach((key, value) -> {
            String column = LogDirs.prefixed(prefix, key);
            row.put(column, value == null ? null : format(column, value));
        });
        row.put(STEP, Long.toString(step));
        pending.add(row);
        if ((step + 1) % flushLogsEveryNSteps == 0) {
            save();
        }
    }

    /** Writes buffered rows (widening the header if needed) and makes sure hparams.yaml exists. */
    @Override
    public synchronized void save() {
        try {
            if (!Files.exists(logDir.resolve(HPARAMS_FILE))) {
                LogDirs.create(logDir);
                HparamsYaml.write(logDir, hparams);
            }
            if (pending.isEmpty()) {
                return;
            }
            TreeSet<String> wanted = new TreeSet<>(columns);
            pending.forEach(row -> wanted.addAll(row.keySet()));
            boolean widened = wanted.size() > columns.size();
            columns.clear();
            columns.addAll(wanted);
            boolean exists = Files.isRegularFile(metricsFile);
            if (exists && widened) {
                rewriteWithHeader();
            }
            appendRows(!exists);
            pending.clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + metricsFile, e);
        }
    }

    /** Number of rows buffered and not yet written. */
    public synchronized int pendingRows() {
        return pending.size();
    }

    private void appendRows(boolean withHeader) throws IOException {
        LogDirs.create(logDir);
        try (Writer out = Files.newBufferedWriter(metricsFile, StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                CSVPrinter printer = new CSVPrinter(out, CSVFormat.DEFAULT)) {
            if (withHeader) {
                printer.printRecord(columns);
            }
            for (Map<String, String> row : pending) {
                List<String> cells = new ArrayList<>(columns.size());
                for (String c : columns) {
                    cells.add(row.get(c));
                }
                printer.printRecord(cells);
            }
        }
    }

    /** Re-reads the file and writes it back under the current (wider) header. */
    private void rewriteWithHeader() throws IOException {
        Path tmp = logDir.resolve(METRICS_FILE + ".tmp");
        CSVFormat readFormat = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build();
        try (Reader in = Files.newBufferedReader(metricsFile, StandardCharsets.UTF_8);
                CSVParser parser = readFormat.parse(in);
                Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
                CSVPrinter printer = new CSVPrinter(out, CSVFormat.DEFAULT)) {
            printer.printRecord(columns);
            for (CSVRecord record : parser) {
                List<String> cells = new ArrayList<>(columns.size());
                for (String c : columns) {
                    String cell = record.isSet(c) ? record.get(c) : null;
                    cells.add(cell == null || cell.isEmpty() ? null : cell);
                }
                printer.printRecord(cells);
            }
        }
        LogDirs.replace(tmp, metricsFile);
    }

    private static String format(String column, double value) {
        // Lightning logs the epoch as a Python int; keep that look for whole values.
        if (column.equals(EPOCH) && value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return PythonFloats.repr(value);
    }

    /** Options for {@link CsvLogger}, defaults as in Lightning. */
    public static final class Builder extends FileLoggerBuilder<Builder> {
        private int flushLogsEveryNSteps = 100;

        private Builder(Path saveDir) {
            super(saveDir);
        }

        /** Flush rows to disk every N steps, default 100. */
        public Builder flushLogsEveryNSteps(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("flushLogsEveryNSteps must be >= 1: " + n);
            }
            this.flushLogsEveryNSteps = n;
            return this;
        }

        /** Creates the logger and its version directory. */
        public CsvLogger build() {
            return new CsvLogger(this);
        }
    }
}
