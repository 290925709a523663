package dev.raylightning.core.loggers;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Placeholder until the real CSV logger lands. */
public final class CsvLogger implements Logger {
    public static Builder builder(Path dir) { return new Builder(); }
    public static final class Builder { public CsvLogger build() { return new CsvLogger(); } }
    public String name() { return "lightning_logs"; }
    public String version() { return "version_0"; }
    public Optional<Path> logDir() { return Optional.empty(); }
    public void logHyperparams(Map<String, Object> params) {}
    public void logMetrics(Map<String, Double> metrics, long step) {}
}
