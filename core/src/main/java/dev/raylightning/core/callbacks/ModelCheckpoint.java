package dev.raylightning.core.callbacks;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.TrainerFn;
import dev.raylightning.core.checkpoint.OptimizerShards;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lightning's {@code ModelCheckpoint}: saves checkpoints after validation (or at the end of
 * training epochs without validation) and keeps the best {@code saveTopK} by a monitored metric,
 * or the latest ones when nothing is monitored. Files are written atomically. In a distributed
 * run it acts on every rank: whether to keep a checkpoint is agreed by all ranks, its path is
 * rank zero's, every rank saves (the strategy may gather state), rank zero writes and deletes.
 *
 * <p>Filename templates use {@code {name}} or {@code {name:.4f}} for {@code epoch}, {@code step}
 * and any callback metric, written {@code name=value} as in Lightning (a {@code /} in a metric
 * name becomes {@code _}); the default is {@code {epoch}-{step}}.
 */
public final class ModelCheckpoint implements Callback {

    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelCheckpoint.class);
    private static final Pattern FIELD = Pattern.compile("\\{([^}:]+)(?::([^}]*))?}");
    /** Extension of checkpoint files. */
    public static final String EXTENSION = ".ckpt";

    private final String dirpath;
    private final String filename;
    private final String monitor;
    private final MonitorMode mode;
    private final int saveTopK;
    private final boolean saveLast;
    private final int everyNEpochs;

    private String resolvedDir;
    private final LinkedHashMap<String, Double> bestKModels = new LinkedHashMap<>();
    private String bestModelPath = "";
    private Double bestModelScore;
    private String lastModelPath = "";
    private transient boolean validatedThisEpoch;

    private ModelCheckpoint(Builder b) {
        this.dirpath = b.dirpath;
        this.filename = b.filename;
        this.monitor = b.monitor;
        this.mode = b.mode;
        this.saveTopK = b.saveTopK;
        this.saveLast = b.saveLast;
        this.everyNEpochs = b.everyNEpochs;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String stateKey() {
        return "ModelCheckpoint{monitor=" + monitor + ", mode=" + mode + ", everyNEpochs=" + everyNEpochs + "}";
    }

    @Override
    public void setup(TrainerView trainer, LightningModule module, TrainerFn fn) {
        validatedThisEpoch = false;
        resolveDirpath(trainer.logDir());
    }

    /**
     * Fixes the checkpoint directory once: {@code dirpath} if given, else {@code logDir/checkpoints}.
     * Distributed trainers call this on the driver before shipping the callback, so workers
     * (which have no loggers) write where the driver's logger lives.
     */
    public void resolveDirpath(Path logDir) {
        if (resolvedDir == null) {
            resolvedDir = dirpath != null ? Path.of(dirpath).toAbsolutePath().toString()
                    : logDir.resolve("checkpoints").toAbsolutePath().toString();
        }
    }

    @Override
    public void onTrainEpochStart(TrainerView trainer, LightningModule module) {
        validatedThisEpoch = false;
    }

    @Override
    public void onValidationEnd(TrainerView trainer, LightningModule module) {
        if (trainer.sanityChecking() || trainer.state().fn().orElse(null) != TrainerFn.FITTING) {
            return;
        }
        validatedThisEpoch = true;
        if ((trainer.currentEpoch() + 1) % everyNEpochs == 0) {
            save(trainer);
        }
    }

    @Override
    public void onTrainEpochEnd(TrainerView trainer, LightningModule module) {
        if (!validatedThisEpoch && (trainer.currentEpoch() + 1) % everyNEpochs == 0) {
            save(trainer);
        }
    }

    private void save(TrainerView trainer) {
        if (saveTopK == 0 && !saveLast) {
            return;
        }
        Map<String, Double> metrics = new LinkedHashMap<>(trainer.callbackMetrics());
        metrics.put("epoch", (double) trainer.currentEpoch());
        metrics.put("step", (double) trainer.globalStep());
        Double score = null;
        if (monitor != null) {
            score = metrics.get(monitor);
            if (score == null) {
                throw new IllegalStateException("ModelCheckpoint(monitor='" + monitor
                        + "') could not find the monitored key in the logged metrics: " + trainer.callbackMetrics().keySet());
            }
        }
        List<Path> toDelete = new ArrayList<>();
        Path target = null;
        if (saveTopK != 0) {
            double s = score == null ? trainer.globalStep() : score;
            double comparable = Double.isNaN(s) ? mode.worst() : s;
            MonitorMode m = score == null ? MonitorMode.MAX : mode;
            boolean keep = saveTopK < 0 || bestKModels.size() < saveTopK || m.better(comparable, worstScore(m));
            // every rank must take the same decision: each of them saves (Lightning's reduce_boolean_decision)
            if (trainer.strategy().reduceBooleanDecision(keep, true)) {
                target = agreedPath(trainer, uniquePath(format(metrics)));
                if (saveTopK > 0 && bestKModels.size() >= saveTopK) {
                    String worst = worstPath(m);
                    bestKModels.remove(worst);
                    // every entry is one of its own; checked again because this deletes a file
                    ownPath(worst).ifPresent(p -> toDelete.add(Path.of(p)));
                }
                bestKModels.put(target.toString(), comparable);
                String best = bestPath(m);
                bestModelPath = best;
                bestModelScore = score == null ? null : bestKModels.get(best);
            }
        }
        Path last = saveLast ? Path.of(resolvedDir, "last" + EXTENSION) : null;
        if (last != null) {
            lastModelPath = last.toString();
        }
        if (target != null) {
            trainer.saveCheckpoint(target);
        }
        if (last != null) {
            trainer.saveCheckpoint(last);
        }
        if (!trainer.isGlobalZero()) {
            return;
        }
        for (Path p : toDelete) {
            if (!p.equals(target) && !p.equals(last)) {
                try {
                    OptimizerShards.delete(p);
                } catch (IOException e) {
                    throw new IllegalStateException("could not remove old checkpoint " + p + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** Rank zero's name for the file, so every rank records the path that is written. */
    private static Path agreedPath(TrainerView trainer, Path local) {
        return trainer.strategy().worldSize() == 1 ? local : Path.of(trainer.strategy().broadcast(local.toString(), 0));
    }

    private double worstScore(MonitorMode m) {
        return bestKModels.get(worstPath(m));
    }

    private String worstPath(MonitorMode m) {
        String worst = null;
        for (Map.Entry<String, Double> e : bestKModels.entrySet()) {
            if (worst == null || m.better(bestKModels.get(worst), e.getValue())) {
                worst = e.getKey();
            }
        }
        return worst;
    }

    private String bestPath(MonitorMode m) {
        String best = null;
        for (Map.Entry<String, Double> e : bestKModels.entrySet()) {
            if (best == null || m.better(e.getValue(), bestKModels.get(best))) {
                best = e.getKey();
            }
        }
        return best;
    }

    private Path uniquePath(String name) {
        Path p = Path.of(resolvedDir, name + EXTENSION);
        int v = 1;
        while (bestKModels.containsKey(p.toString()) || (saveLast && p.getFileName().toString().equals("last" + EXTENSION))) {
            p = Path.of(resolvedDir, name + "-v" + v++ + EXTENSION);
        }
        return p;
    }

    /** Fills the filename template with metric values. */
    String format(Map<String, Double> metrics) {
        Matcher m = FIELD.matcher(filename);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1).trim();
            String spec = m.group(2);
            Double v = metrics.get(name);
            String value;
            if (v == null) {
                value = "nan";
            } else if (spec != null && !spec.isEmpty()) {
                value = String.format(Locale.ROOT, "%" + spec, v);
            } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
                value = Long.toString(v.longValue());
            } else {
                value = String.format(Locale.ROOT, "%.4f", v);
            }
            // metric names like "ptl/val_loss" must not create sub-directories
            m.appendReplacement(sb, Matcher.quoteReplacement(name.replace('/', '_') + "=" + value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Path of the best checkpoint so far, empty before the first save. */
    public String bestModelPath() {
        return bestModelPath;
    }

    /** The monitored value of the best checkpoint, when something is monitored. */
    public Optional<Double> bestModelScore() {
        return Optional.ofNullable(bestModelScore);
    }

    /** Path of {@code last.ckpt}, when saveLast is on. */
    public String lastModelPath() {
        return lastModelPath;
    }

    /** The kept checkpoints and their scores (the global step when nothing is monitored). */
    public Map<String, Double> bestKModels() {
        return java.util.Collections.unmodifiableMap(bestKModels);
    }

    /** The directory checkpoints go to (known once a run started). */
    public Optional<Path> dirpath() {
        return Optional.ofNullable(resolvedDir).map(Path::of);
    }

    public Optional<String> monitor() {
        return Optional.ofNullable(monitor);
    }

    @Override
    public Map<String, Object> stateDict() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("dirpath", resolvedDir);
        s.put("bestModelPath", bestModelPath);
        if (bestModelScore != null) {
            s.put("bestModelScore", bestModelScore);
        }
        s.put("lastModelPath", lastModelPath);
        s.put("bestKModels", new LinkedHashMap<>(bestKModels));
        return s;
    }

    @Override
    public void checkStateDict(Map<String, Object> state) {
        restored(state);
    }

    /**
     * Loads a saved state. The directory stays this callback's own, and saved paths are kept only
     * when they name checkpoints this callback writes in it ({@link #ownPath}); others are dropped
     * with a warning, so top-k pruning can never delete a file it did not write there.
     */
    @Override
    public void loadStateDict(Map<String, Object> state) {
        RestoredCheckpoints r = restored(state);
        if (r.savedDirpath() != null && resolvedDir != null && !r.savedDirpath().equals(resolvedDir)) {
            LOG.warn("ModelCheckpoint: the saved state is for directory {}; this callback keeps writing to {}",
                    r.savedDirpath(), resolvedDir);
        }
        if (!r.dropped().isEmpty()) {
            LOG.warn("ModelCheckpoint: ignoring saved paths that are not checkpoints of this callback in {}: {}",
                    resolvedDir, r.dropped());
        }
        bestKModels.clear();
        bestKModels.putAll(r.bestKModels());
        bestModelPath = r.bestModelPath();
        bestModelScore = r.bestModelScore();
        lastModelPath = r.lastModelPath();
    }

    private RestoredCheckpoints restored(Map<String, Object> state) {
        return RestoredCheckpoints.of(state, p -> ownPath(p).filter(o -> namePattern().matcher(fileName(o)).matches()),
                p -> ownPath(p).filter(o -> fileName(o).equals("last" + EXTENSION)));
    }

    /**
     * This callback's spelling of {@code path} when it lies directly in its directory (after
     * resolving {@code ..}), else empty; always empty before the directory is known.
     */
    Optional<String> ownPath(String path) {
        if (resolvedDir == null) {
            return Optional.empty();
        }
        try {
            Path p = Path.of(path);
            Path dir = Path.of(resolvedDir);
            if (!p.isAbsolute() || p.normalize().getFileName() == null
                    || !dir.normalize().equals(p.normalize().getParent())) {
                return Optional.empty();
            }
            return Optional.of(dir.resolve(p.normalize().getFileName().toString()).toString());
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static String fileName(String path) {
        return Path.of(path).getFileName().toString();
    }

    /** The names {@link #format} gives, with any {@code -vN} suffix and the extension. */
    Pattern namePattern() {
        Matcher m = FIELD.matcher(filename);
        StringBuilder regex = new StringBuilder();
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(filename.substring(at, m.start())));
            regex.append(Pattern.quote(m.group(1).trim().replace('/', '_') + "=")).append("[^/\\\\]*");
            at = m.end();
        }
        regex.append(Pattern.quote(filename.substring(at))).append("(-v\\d+)?").append(Pattern.quote(EXTENSION));
        return Pattern.compile(regex.toString());
    }

    /** Settings of {@link ModelCheckpoint}; defaults follow Lightning. */
    public static final class Builder {
        private String dirpath;
        private String filename = "{epoch}-{step}";
        private String monitor;
        private MonitorMode mode = MonitorMode.MIN;
        private int saveTopK = 1;
        private boolean saveLast;
        private int everyNEpochs = 1;

        private Builder() {}

        /** Directory for checkpoints; default {@code <log dir>/checkpoints}. */
        public Builder dirpath(Path dir) {
            checkArgument(dir != null, "dirpath must not be null");
            dirpath = dir.toAbsolutePath().toString();
            return this;
        }

        /** Filename template without extension, e.g. {@code "{epoch}-{val_loss:.2f}"}. */
        public Builder filename(String template) {
            checkArgument(template != null && !template.isBlank()
                    && !FIELD.matcher(template).replaceAll("").contains("/"),
                    "filename must be a non-blank name without '/' outside {fields}, got '"
                    + template + "'");
            filename = template;
            return this;
        }

        /** Metric deciding which checkpoints are best; none keeps the latest. */
        public Builder monitor(String metric) {
            checkArgument(metric != null && !metric.isBlank(),
                    "monitor must name a logged metric, got '" + metric + "'");
            monitor = metric;
            return this;
        }

        public Builder mode(MonitorMode m) {
            checkArgument(m != null, "mode must not be null");
            mode = m;
            return this;
        }

        /** How many checkpoints to keep: -1 all, 0 none (except last). Default 1. */
        public Builder saveTopK(int k) {
            checkArgument(k >= -1, "saveTopK must be >= -1, got " + k);
            saveTopK = k;
            return this;
        }

        /** Also write {@code last.ckpt} at every save. */
        public Builder saveLast(boolean s) {
            saveLast = s;
            return this;
        }

        public Builder everyNEpochs(int n) {
            checkArgument(n >= 1, "everyNEpochs must be >= 1, got " + n);
            everyNEpochs = n;
            return this;
        }

        public ModelCheckpoint build() {
            checkArgument(monitor != null || saveTopK <= 1,
                    "saveTopK = " + saveTopK + " needs a monitor to rank checkpoints");
            return new ModelCheckpoint(this);
        }
    }
}
