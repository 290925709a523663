package dev.raylightning.core.loggers;

import static dev.raylightning.core.util.Checks.checkArgument;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Lightning's {@code TensorBoardLogger}: writes {@code saveDir/name/version_N/events.out.tfevents.*}
 * and {@code hparams.yaml}; the event files are encoded by hand, with no TensorFlow or protobuf library.
 *
 * <p>Each metric becomes one scalar event ({@code add_scalar}). Hyper-parameters go to
 * {@code hparams.yaml} and, flattened with {@code /} as Lightning does, to the TensorBoard hparams
 * plugin (booleans keep their type there, where Lightning's Python writes them as 1.0/0.0); by
 * default an {@code hp_metric} of -1 is logged at step 0 as Lightning does, so the hparams tab
 * has a metric column. Events are buffered and flushed every {@code maxQueue} events, every
 * {@code flushSecs} seconds (checked when writing), and on {@link #save()}, {@link #finish(String)}
 * and {@link #close()}. Logging after {@code close()} opens a new event file, as PyTorch's
 * {@code SummaryWriter} does. Methods are synchronized.
 */
public final class TensorBoardLogger implements Logger {

    /** Name of the hyper-parameter file inside the version directory. */
    public static final String HPARAMS_FILE = HparamsYaml.FILE_NAME;
    /** The metric Lightning logs with the hyper-parameters when none is given. */
    public static final String HP_METRIC = "hp_metric";

    private final Path saveDir;
    private final String name;
    private final String version;
    private final Path logDir;
    private final String prefix;
    private final boolean defaultHpMetric;
    private final int maxQueue;
    private final double flushSecs;

    private final Map<String, Object> hparams = new LinkedHashMap<>();
    private final List<Path> eventFiles = new ArrayList<>();
    private TfEventWriter writer;

    /** A logger under {@code saveDir/lightning_logs/version_N} with the next free N. */
    public TensorBoardLogger(Path saveDir) {
        this(builder(saveDir));
    }

    private TensorBoardLogger(Builder b) {
        this.saveDir = b.saveDir;
        this.name = b.name;
        this.prefix = b.prefix;
        this.defaultHpMetric = b.defaultHpMetric;
        this.maxQueue = b.maxQueue;
        this.flushSecs = b.flushSecs;
        Path root = LogDirs.root(saveDir, name);
        this.version = LogDirs.versionName(root, b.versionNumber, b.versionText);
        this.logDir = LogDirs.create(root.resolve(version));
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

    /** Event files this logger has created, oldest first (one unless it was reopened after close). */
    public synchronized List<Path> eventFiles() {
        return List.copyOf(eventFiles);
    }

    /**
     * Records hyper-parameters; with the default hp metric this also logs {@code hp_metric = -1}
     * at step 0.
     */
    @Override
    public void logHyperparams(Map<String, Object> params) {
        logHyperparams(params, Map.of());
    }

    /**
     * Records hyper-parameters with the metrics the hparams tab should show, Lightning's
     * {@code log_hyperparams(params, metrics)}: the metrics are logged at step 0 and their tags
     * registered with the plugin. Empty metrics fall back to {@code hp_metric = -1} when the
     * default hp metric is on.
     */
    public synchronized void logHyperparams(Map<String, Object> params, Map<String, Double> metrics) {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(metrics, "metrics");
        Map<String, Object> clean = HparamsYaml.sanitize(params);
        hparams.putAll(clean);
        HparamsYaml.write(logDir, hparams);

        Map<String, Double> shown = metrics.isEmpty() && defaultHpMetric ? Map.of(HP_METRIC, -1.0) : metrics;
        if (!shown.isEmpty()) {
            logMetrics(shown, 0);
        }
        List<String> tags = shown.keySet().stream().map(k -> LogDirs.prefixed(prefix, k)).toList();
        double now = wallTime();
        for (byte[] event : TfHparams.events(now, TfHparams.flatten(clean), tags)) {
            writeEvent(event);
        }
    }

    /** Writes one scalar event per metric; null values are skipped. */
    @Override
    public synchronized void logMetrics(Map<String, Double> metrics, long step) {
        Objects.requireNonNull(metrics, "metrics");
        double now = wallTime();
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (e.getValue() != null) {
                String tag = LogDirs.prefixed(prefix, e.getKey());
                writeEvent(TfEvents.scalar(now, step, tag, e.getValue().floatValue()));
            }
        }
    }

    /** Flushes buffered events and makes sure hparams.yaml exists. */
    @Override
    public synchronized void save() {
        try {
            if (writer != null) {
                writer.flush();
            }
            if (!Files.exists(logDir.resolve(HPARAMS_FILE))) {
                LogDirs.create(logDir);
                HparamsYaml.write(logDir, hparams);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush " + writer.file(), e);
        }
    }

    /** Flushes and closes the event file; a later log call starts a new one. */
    @Override
    public synchronized void close() {
        save();
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close " + writer.file(), e);
            } finally {
                writer = null;
            }
        }
    }

    private void writeEvent(byte[] event) {
        try {
            if (writer == null) {
                writer = TfEventWriter.open(logDir, maxQueue, flushSecs);
                eventFiles.add(writer.file());
            }
            writer.write(event);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write event file in " + logDir, e);
        }
    }

    private static double wallTime() {
        Instant now = Instant.now();
        return now.getEpochSecond() + now.getNano() / 1e9;
    }

    /** Options for {@link TensorBoardLogger}, defaults as in Lightning and PyTorch. */
    public static final class Builder extends FileLoggerBuilder<Builder> {
        private boolean defaultHpMetric = true;
        private int maxQueue = 10;
        private double flushSecs = 120;

        private Builder(Path saveDir) {
            super(saveDir);
        }

        /** Whether {@code logHyperparams} logs {@code hp_metric = -1} when given no metrics (default true). */
        public Builder defaultHpMetric(boolean defaultHpMetric) {
            this.defaultHpMetric = defaultHpMetric;
            return this;
        }

        /** Events buffered before a flush, default 10. */
        public Builder maxQueue(int maxQueue) {
            checkArgument(maxQueue >= 1, "maxQueue must be >= 1: " + maxQueue);
            this.maxQueue = maxQueue;
            return this;
        }

        /** Longest time events stay buffered, checked on each write, default 120 s. */
        public Builder flushSecs(double flushSecs) {
            checkArgument(flushSecs >= 0, "flushSecs must be >= 0: " + flushSecs);
            this.flushSecs = flushSecs;
            return this;
        }

        /** Creates the logger and its version directory; the event file opens on the first event. */
        public TensorBoardLogger build() {
            return new TensorBoardLogger(this);
        }
    }
}
