package dev.raylightning.core.loggers;

import static dev.raylightning.core.util.Checks.checkArgument;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The options every file logger shares, as Lightning's loggers do: where the directory
 * {@code saveDir/name/version} goes and the metric-name prefix. Subclasses add their own options.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class FileLoggerBuilder<B extends FileLoggerBuilder<B>> {

    final Path saveDir;
    String name = "lightning_logs";
    Integer versionNumber;
    String versionText;
    String prefix = "";

    FileLoggerBuilder(Path saveDir) {
        this.saveDir = Objects.requireNonNull(saveDir, "saveDir");
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Experiment name, default {@code lightning_logs}; empty means log directly under saveDir. */
    public B name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return self();
    }

    /** Uses directory {@code version_<version>}. */
    public B version(int version) {
        checkArgument(version >= 0, "version must be >= 0: " + version);
        this.versionNumber = version;
        this.versionText = null;
        return self();
    }

    /** Uses the given directory name as the version, e.g. {@code "run_a"}. */
    public B version(String version) {
        checkArgument(!Objects.requireNonNull(version, "version").isBlank(), "version must not be blank");
        this.versionText = version;
        this.versionNumber = null;
        return self();
    }

    /** Prefix joined to every metric name with a dash, default none. */
    public B prefix(String prefix) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        return self();
    }
}
