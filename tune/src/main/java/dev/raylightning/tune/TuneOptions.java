package dev.raylightning.tune;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkPathElement;

import dev.raylightning.tune.schedulers.FifoScheduler;
import dev.raylightning.tune.schedulers.TrialScheduler;
import dev.raylightning.tune.search.SearchSpace;
import dev.raylightning.tune.stopper.Stopper;
import dev.raylightning.tune.stopper.Stoppers;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The arguments of {@link Tune#run}, named after Ray Tune's {@code tune.run} keyword arguments.
 * Build with {@link #builder()}; every setter checks its argument and names it when wrong.
 */
public final class TuneOptions {

    /** Nothing printed. */
    public static final int SILENT = 0;
    /** Only the final summary. */
    public static final int SUMMARY = 1;
    /** The periodic status table and the final summary (default). */
    public static final int STATUS = 2;

    final SearchSpace space;
    final String metric;
    final Mode mode;
    final int numSamples;
    final TuneResources resourcesPerTrial;
    final TrialScheduler scheduler;
    final Stopper stopper;
    final int maxConcurrentTrials;
    final String name;
    final Path storagePath;
    final int maxFailures;
    final long seed;
    final boolean resume;
    final Duration reportInterval;
    final int verbose;
    final PrintStream out;
    final List<String> metricColumns;
    final Duration placementTimeout;
    final int keepCheckpoints;

    private TuneOptions(Builder b) {
        this.space = b.space;
        this.metric = b.metric;
        this.mode = b.mode;
        this.numSamples = b.numSamples;
        this.resourcesPerTrial = b.resourcesPerTrial;
        this.scheduler = b.scheduler;
        this.stopper = b.stopper;
        this.maxConcurrentTrials = b.maxConcurrentTrials;
        this.name = b.name != null ? b.name
                : "tune_" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss"));
        this.storagePath = b.storagePath != null ? b.storagePath : defaultStoragePath();
        this.maxFailures = b.maxFailures;
        this.seed = b.seed != null ? b.seed : System.nanoTime();
        this.resume = b.resume;
        this.reportInterval = b.reportInterval;
        this.verbose = b.verbose;
        this.out = b.out;
        this.metricColumns = List.copyOf(b.metricColumns);
        this.placementTimeout = b.placementTimeout;
        this.keepCheckpoints = b.keepCheckpoints;
    }

    /** Ray Tune's default: {@code ray_results} in the user's home. */
    public static Path defaultStoragePath() {
        return Path.of(System.getProperty("user.home"), "ray_results");
    }

    public static Builder builder() {
        return new Builder();
    }

    public SearchSpace space() {
        return space;
    }

    public Optional<String> metric() {
        return Optional.ofNullable(metric);
    }

    public Optional<Mode> mode() {
        return Optional.ofNullable(mode);
    }

    public int numSamples() {
        return numSamples;
    }

    public TuneResources resourcesPerTrial() {
        return resourcesPerTrial;
    }

    public String name() {
        return name;
    }

    public Path storagePath() {
        return storagePath;
    }

    /** The experiment directory: {@code storagePath/name}. */
    public Path experimentPath() {
        return storagePath.resolve(name);
    }

    public long seed() {
        return seed;
    }

    public dev.raylightning.tune.schedulers.TrialScheduler scheduler() {
        return scheduler;
    }

    public Optional<Stopper> stopper() {
        return Optional.ofNullable(stopper);
    }

    /** 0 means as many as the cluster holds. */
    public int maxConcurrentTrials() {
        return maxConcurrentTrials;
    }

    public int maxFailures() {
        return maxFailures;
    }

    public boolean resume() {
        return resume;
    }

    public Duration reportInterval() {
        return reportInterval;
    }

    public int verbose() {
        return verbose;
    }

    public PrintStream out() {
        return out;
    }

    public List<String> metricColumns() {
        return metricColumns;
    }

    public Duration placementTimeout() {
        return placementTimeout;
    }

    /** Checkpoints kept per trial; 0 keeps all. */
    public int keepCheckpoints() {
        return keepCheckpoints;
    }

    /** Builder of {@link TuneOptions}. */
    public static final class Builder {
        private SearchSpace space = SearchSpace.of(Map.of());
        private String metric;
        private Mode mode;
        private int numSamples = 1;
        private TuneResources resourcesPerTrial = TuneResources.headOnly(1);
        private TrialScheduler scheduler = new FifoScheduler();
        private Stopper stopper;
        private int maxConcurrentTrials;
        private String name;
        private Path storagePath;
        private int maxFailures;
        private Long seed;
        private boolean resume;
        private Duration reportInterval = Duration.ofSeconds(5);
        private int verbose = STATUS;
        private PrintStream out = System.out;
        private final List<String> metricColumns = new ArrayList<>();
        private Duration placementTimeout = Duration.ofMinutes(2);
        private int keepCheckpoints;

        private Builder() {}

        /** The search space: constants, {@link SearchSpace} domains and nested maps. */
        public Builder config(Map<String, ?> space) {
            this.space = SearchSpace.of(space);
            return this;
        }

        public Builder config(SearchSpace space) {
            this.space = require(space, "config");
            return this;
        }

        /** The metric that ranks trials (for schedulers and the analysis). */
        public Builder metric(String metric) {
            checkArgument(metric != null && !metric.isBlank(), "metric must not be blank");
            this.metric = metric;
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = require(mode, "mode");
            return this;
        }

        /** "max" or "min". */
        public Builder mode(String mode) {
            this.mode = Mode.of(mode);
            return this;
        }

        /** How often the search space is sampled (the grid is repeated this often). */
        public Builder numSamples(int n) {
            checkArgument(n >= 1, "numSamples must be >= 1, got " + n);
            this.numSamples = n;
            return this;
        }

        public Builder resourcesPerTrial(TuneResources r) {
            this.resourcesPerTrial = require(r, "resourcesPerTrial");
            return this;
        }

        public Builder scheduler(TrialScheduler s) {
            this.scheduler = require(s, "scheduler");
            return this;
        }

        public Builder stop(Stopper s) {
            this.stopper = require(s, "stop");
            return this;
        }

        /** Ray's stop dict: a trial stops when any of these results reaches its value. */
        public Builder stop(Map<String, ? extends Number> criteria) {
            this.stopper = Stoppers.of(criteria);
            return this;
        }

        /** Ray's {@code time_budget_s}: stop everything once this much time has passed. */
        public Builder timeBudget(Duration budget) {
            Stopper t = Stoppers.timeBudget(require(budget, "timeBudget"));
            this.stopper = stopper == null ? t : Stoppers.any(stopper, t);
            return this;
        }

        /** At most this many trials at once; 0 (default) means as many as the cluster holds. */
        public Builder maxConcurrentTrials(int n) {
            checkArgument(n >= 0, "maxConcurrentTrials must be >= 0, got " + n);
            this.maxConcurrentTrials = n;
            return this;
        }

        /** The experiment's name (its directory under the storage path). */
        public Builder name(String name) {
            this.name = checkPathElement(name, "name");
            return this;
        }

        /** Where experiment directories go (default {@code ~/ray_results}). */
        public Builder storagePath(Path p) {
            this.storagePath = require(p, "storagePath").toAbsolutePath();
            return this;
        }

        /** Restarts of a failed trial from its latest checkpoint before it ends as ERROR (default 0). */
        public Builder maxFailures(int n) {
            checkArgument(n >= 0, "maxFailures must be >= 0, got " + n);
            this.maxFailures = n;
            return this;
        }

        /** Seed of the search-space sampling (default: random, recorded in the experiment state). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Continue the experiment of the same name and storage path: finished trials are kept,
         * the others run again (from their latest checkpoint). Without a saved experiment, starts fresh.
         */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /** How often the status table is printed while trials run (default 5 s). */
        public Builder reportInterval(Duration d) {
            checkArgument(d != null && !d.isNegative() && !d.isZero(), "reportInterval must be positive, got " + d);
            this.reportInterval = d;
            return this;
        }

        /** {@link #SILENT}, {@link #SUMMARY} or {@link #STATUS} (default). */
        public Builder verbose(int level) {
            checkArgument(level >= SILENT && level <= STATUS, "verbose must be 0, 1 or 2, got " + level);
            this.verbose = level;
            return this;
        }

        /** Where the status table and summary go (default {@code System.out}). */
        public Builder output(PrintStream out) {
            this.out = require(out, "output");
            return this;
        }

        /** Metric columns of the status table (default: the metric, then what trials report). */
        public Builder metricColumns(String... names) {
            metricColumns.clear();
            metricColumns.addAll(List.of(names));
            return this;
        }

        /** How long to wait for a trial's placement group when the cluster is busy with other jobs. */
        public Builder placementTimeout(Duration d) {
            checkArgument(d != null && !d.isNegative() && !d.isZero(), "placementTimeout must be positive, got " + d);
            this.placementTimeout = d;
            return this;
        }

        /**
         * Ray's {@code keep_checkpoints_num}: per trial, keep the {@code n} checkpoints that scored
         * best on the experiment's metric, plus always the latest (restarts resume from it); older
         * ones are deleted as new ones arrive. 0 (default) keeps every checkpoint.
         */
        public Builder keepCheckpoints(int n) {
            checkArgument(n >= 0, "keepCheckpoints must be >= 0, got " + n);
            this.keepCheckpoints = n;
            return this;
        }

        public TuneOptions build() {
            checkArgument(keepCheckpoints == 0 || metric != null && mode != null,
                    "keepCheckpoints needs the experiment's metric and mode to rank "
                    + "checkpoints: set metric(...) and mode(...)");
            return new TuneOptions(this);
        }

        private static <T> T require(T v, String what) {
            checkArgument(v != null, what + " must not be null");
            return v;
        }
    }
}
