package dev.raylightning.core.loggers;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * An experiment logger, Lightning's {@code Logger}: receives hyper-parameters once and metric
 * rows keyed by global step. Only global rank zero logs in distributed runs.
 */
public interface Logger extends AutoCloseable {

    /** The experiment name, e.g. {@code lightning_logs}. */
    String name();

    /** The version string, e.g. {@code version_0}. */
    String version();

    /** The directory this logger writes to, when it writes files. */
    Optional<Path> logDir();

    /** Records the run's hyper-parameters (nested maps allowed). */
    void logHyperparams(Map<String, Object> params);

    /** Records one row of metrics at a global step. */
    void logMetrics(Map<String, Double> metrics, long step);

    /** Flushes buffered rows to storage. */
    default void save() {}

    /** Called once when a run ends; {@code status} is "success", "failed" or "interrupted". */
    default void finish(String status) {
        save();
    }

    /** Flushes and releases files. */
    @Override
    default void close() {
        save();
    }
}
