package dev.raylightning.tune.execution;

import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.launcher.JavaBytes;
import dev.raylightning.strategies.shipping.ShippedPayload;
import dev.raylightning.tune.Mode;
import dev.raylightning.tune.Trainable;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.TrialStatus;
import dev.raylightning.tune.TuneOptions;
import dev.raylightning.tune.TuneResources;
import dev.raylightning.tune.results.ExperimentAnalysis;
import dev.raylightning.tune.results.ExperimentDirectory;
import dev.raylightning.tune.results.ExperimentState;
import dev.raylightning.tune.schedulers.TrialScheduler;
import dev.raylightning.tune.search.VariantGenerator;
import io.ray.api.ObjectRef;
import io.ray.api.PlacementGroups;
import io.ray.api.Ray;
import io.ray.api.WaitResult;
import io.ray.api.exception.RayException;
import io.ray.api.options.PlacementGroupCreationOptions;
import io.ray.api.placementgroup.PlacementStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Runs one experiment on Ray (Ray Tune's controller): generates the trials, starts each as a
 * {@link TrialActor} in its own placement group while the cluster has room, feeds their reports
 * to the scheduler and stoppers, writes the experiment directory, restarts failed trials, and
 * always releases every actor and placement group it created.
 */
public final class ExperimentController {

    private static final Logger LOG = LoggerFactory.getLogger(ExperimentController.class);
    /** How often the controller looks at its thread's interrupt flag and the clock while trials run. */
    private static final int WAIT_MILLIS = 1_000;
    private static final long STATE_SAVE_MILLIS = 1_000;

    private final Trainable trainable;
    private final TuneOptions s;
    private final List<TrialRun> trials = new ArrayList<>();
    private final Set<String> metricNames = new LinkedHashSet<>();
    private final String experimentId = UUID.randomUUID().toString().replace("-", "").substring(0, 5);
    private ExperimentDirectory dir;
    private byte[] shippedTrainable;
    private byte[] shippedResources;
    private double clusterCpus;
    private double clusterGpus;
    private long startNanos;
    private long lastTableNanos;
    private long lastSaveMillis;
    private boolean dirty;
    private int attempts;

    public ExperimentController(Trainable trainable, TuneOptions options) {
        if (trainable == null) {
            throw new IllegalArgumentException("trainable must not be null");
        }
        this.trainable = trainable;
        this.s = options;
    }

    /** Runs the experiment to its end (or until the calling thread is interrupted). */
    public ExperimentAnalysis run() {
        Path experimentPath = s.storagePath().resolve(s.name());
        Optional<ExperimentState> saved = s.resume() && Files.isDirectory(experimentPath)
                ? ExperimentDirectory.open(experimentPath).loadState() : Optional.empty();
        if (saved.isPresent()) {
            for (TrialSnapshot t : saved.get().trials()) {
                trials.add(TrialRun.restored(t));
            }
            LOG.info("Resuming experiment {}: {} of {} trials already finished", s.name(),
                    trials.stream().filter(t -> t.status.isFinished()).count(), trials.size());
        } else {
            // sampling errors surface here, before any cluster work
            List<TrialConfig> configs = VariantGenerator.generate(s.space(), s.numSamples(), s.seed());
            for (int i = 0; i < configs.size(); i++) {
                trials.add(new TrialRun(String.format("%s_%05d", experimentId, i), configs.get(i)));
            }
        }
        s.scheduler().setDefaults(metric(), mode());
        shippedTrainable = ShippedPayload.of(trainable).toBytes();
        shippedResources = JavaBytes.write(s.resourcesPerTrial());

        RayRuntime runtime = RayRuntime.get();
        clusterCpus = runtime.totalCpus();
        clusterGpus = runtime.totalGpus();
        checkClusterCanFit(runtime);

        dir = saved.isPresent() ? ExperimentDirectory.open(experimentPath)
                : ExperimentDirectory.create(s.storagePath(), s.name());
        for (TrialRun t : trials) {
            s.scheduler().onTrialAdd(t.id, t.config);
            t.results.forEach(r -> metricNames.addAll(r.metrics().keySet()));
            if (saved.isEmpty()) {
                dir.writeParams(t.id, t.config);
            } else {
                replay(t);
            }
        }
        saveState(true);
        startNanos = System.nanoTime();
        boolean interrupted = false;
        try {
            interrupted = loop();
        } finally {
            for (TrialRun t : trials) {
                if (t.status == TrialStatus.RUNNING) {
                    release(t);
                    // an interrupted or failed experiment: these run again on resume
                    t.status = TrialStatus.PENDING;
                }
            }
            saveState(true);
        }
        ExperimentAnalysis analysis = new ExperimentAnalysis(dir.path(), snapshots(), metric(), mode());
        if (s.verbose() >= 1) {
            s.out().println(ProgressTableRenderer.summary(this, analysis, interrupted));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return analysis;
    }

    /**
     * Feeds a resumed trial's saved results to the scheduler, so that ASHA's rungs and PBT's
     * scores hold what happened before the interruption; its decisions about the past are moot.
     */
    private void replay(TrialRun t) {
        try {
            for (TrialResult r : t.results) {
                s.scheduler().onTrialResult(t.id, r);
            }
            if (t.status == TrialStatus.TERMINATED) {
                s.scheduler().onTrialComplete(t.id, t.results.isEmpty() ? null : t.results.get(t.results.size() - 1));
            } else if (t.status == TrialStatus.ERROR) {
                s.scheduler().onTrialError(t.id);
            }
        } catch (RuntimeException e) {
            LOG.debug("Could not replay trial {}'s results into {}", t.id, s.scheduler().describe(), e);
        }
    }

    /** Runs trials until all are finished; returns whether the thread was interrupted. */
    private boolean loop() {
        while (true) {
            if (Thread.interrupted()) {
                // cleared here and set again when run() returns, so the clean-up is not interrupted
                LOG.warn("Experiment {} interrupted: stopping {} running trials; resume runs the unfinished ones",
                        s.name(), count(TrialStatus.RUNNING));
                return true;
            }
            if (s.stopper().isPresent() && s.stopper().get().stopAll()) {
                LOG.info("Stop criterion {} ends the experiment", s.stopper().orElse(null));
                for (TrialRun t : trials) {
                    if (t.status == TrialStatus.RUNNING) {
                        stop(t);
                    } else if (t.status == TrialStatus.PENDING) {
                        t.status = TrialStatus.TERMINATED;
                    }
                }
                dirty = true;
                return false;
            }
            startPendingTrials();
            List<ObjectRef<byte[]>> refs = new ArrayList<>();
            for (TrialRun t : trials) {
                if (t.status == TrialStatus.RUNNING) {
                    if (!t.runDone) {
                        refs.add(t.runRef);
                    }
                    if (!t.reportsDone) {
                        refs.add(t.reportsRef);
                    }
                }
            }
            if (refs.isEmpty()) {
                if (count(TrialStatus.PENDING) == 0) {
                    return false;
                }
                continue;
            }
            WaitResult<byte[]> w = Ray.wait(refs, 1, WAIT_MILLIS, true);
            for (ObjectRef<byte[]> ready : w.getReady()) {
                handleReady(ready);
            }
            for (TrialRun t : trials) {
                if (t.status == TrialStatus.RUNNING && t.runDone && t.reportsDone) {
                    complete(t);
                }
            }
            printTableIfDue();
            saveState(false);
        }
    }

    private void handleReady(ObjectRef<byte[]> ready) {
        for (TrialRun t : trials) {
            if (t.status != TrialStatus.RUNNING) {
                continue;
            }
            if (ready.equals(t.reportsRef)) {
                onReports(t);
                return;
            }
            if (ready.equals(t.runRef)) {
                t.runDone = true;
                try {
                    t.outcome = (TrialOutcome) JavaBytes.read(Ray.get(t.runRef));
                } catch (RayException e) {
                    t.outcome = new TrialOutcome("TrialActorDied", "the process of trial " + t.id
                            + " died or was killed (" + firstLine(e.getMessage()) + ")", String.valueOf(e));
                }
                return;
            }
        }
    }

    private void onReports(TrialRun t) {
        ReportBatch batch;
        try {
            batch = (ReportBatch) JavaBytes.read(Ray.get(t.reportsRef));
        } catch (RayException e) {
            t.reportsDone = true;
            return;
        }
        for (ReportedResult rr : batch.reports()) {
            if (t.status != TrialStatus.RUNNING) {
                return;
            }
            onResult(t, rr);
        }
        if (t.status != TrialStatus.RUNNING) {
            return;
        }
        if (batch.finished()) {
            t.reportsDone = true;
        } else {
            t.reportsRef = t.actor.task(TrialActor::nextReports).remote();
        }
    }

    private void onResult(TrialRun t, ReportedResult rr) {
        TrialResult r = rr.result();
        if (rr.checkpoint() != null) {
            Path rel = dir.writeCheckpoint(t.id, r.trainingIteration(), rr.checkpointFilename(), rr.checkpoint());
            r = new TrialResult(r.trialId(), r.trainingIteration(), r.timeTotalSeconds(), r.timeThisIterSeconds(),
                    r.timestamp(), r.metrics(), rel.toString());
            t.latestCheckpoint = rel.toString();
            t.checkpointIteration = r.trainingIteration();
            t.checkpointTime = r.timeTotalSeconds();
        }
        t.results.add(r);
        if (rr.checkpoint() != null && s.keepCheckpoints() > 0) {
            pruneCheckpoints(t);
        }
        metricNames.addAll(r.metrics().keySet());
        dir.appendResult(t.id, t.config, r);
        dirty = true;
        TrialScheduler.Decision decision;
        boolean stopNow;
        try {
            decision = s.scheduler().onTrialResult(t.id, r);
            stopNow = decision == TrialScheduler.Decision.STOP
                    | (s.stopper().isPresent() && s.stopper().get().stopTrial(t.id, r));
        } catch (RuntimeException e) {
            // a result the scheduler or stopper cannot judge (e.g. the metric is missing): the
            // trial cannot go on meaningfully, and retrying would fail the same way
            fail(t, new TrialOutcome(e.getClass().getName(), e.getMessage(), String.valueOf(e)), false);
            return;
        }
        if (stopNow) {
            stop(t);
            s.scheduler().onTrialComplete(t.id, r);
        } else if (decision == TrialScheduler.Decision.EXPLOIT) {
            exploit(t, s.scheduler().exploitFor(t.id).orElseThrow(() -> new IllegalStateException(
                    s.scheduler().describe() + " asked to exploit trial " + t.id + " without saying how")));
        }
    }

    /**
     * Population-based training: the trial restarts from the source trial's latest checkpoint
     * (copied into its own directory) with the new config, and its iterations continue from there.
     */
    private void exploit(TrialRun t, TrialScheduler.Exploit e) {
        TrialRun source = trials.stream().filter(x -> x.id.equals(e.sourceTrialId())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no trial " + e.sourceTrialId() + " to exploit"));
        if (source.latestCheckpoint == null) {
            throw new IllegalStateException("trial " + source.id + " has no checkpoint to exploit");
        }
        release(t);
        t.latestCheckpoint = dir.copyCheckpoint(source.id, source.latestCheckpoint, t.id).toString();
        t.checkpointIteration = source.checkpointIteration;
        t.checkpointTime = source.checkpointTime;
        t.config = e.newConfig();
        dir.writeParams(t.id, t.config);
        t.status = TrialStatus.PENDING;
        dirty = true;
        LOG.info("Trial {} continues from trial {}'s checkpoint at iteration {} with {}", t.id, source.id,
                source.checkpointIteration, t.config);
    }

    /**
     * Keeps the trial's {@code keepCheckpoints} best-scoring checkpoints and its latest; deletes
     * the others (each result names its checkpoint, so the ranking needs no extra state).
     */
    private void pruneCheckpoints(TrialRun t) {
        Mode mode = mode();
        List<TrialResult> withCheckpoint = new ArrayList<>();
        for (TrialResult r : t.results) {
            if (r.checkpoint() != null && !r.checkpoint().equals(t.latestCheckpoint)
                    && Files.exists(dir.resolveCheckpoint(t.id, r.checkpoint()))) {
                withCheckpoint.add(r);
            }
        }
        // best first; results without the metric rank last
        java.util.function.ToDoubleFunction<TrialResult> score = r -> r.get(metric()).map(mode::score)
                .filter(v -> !Double.isNaN(v)).orElse(Double.NEGATIVE_INFINITY);
        withCheckpoint.sort((a, b) -> Double.compare(score.applyAsDouble(b), score.applyAsDouble(a)));
        Set<String> keep = new LinkedHashSet<>();
        keep.add(t.latestCheckpoint);
        for (TrialResult r : withCheckpoint) {
            if (keep.size() >= s.keepCheckpoints() + 1) {
                break;
            }
            keep.add(r.checkpoint());
        }
        for (TrialResult r : withCheckpoint) {
            if (!keep.contains(r.checkpoint())) {
                dir.deleteCheckpoint(t.id, r.checkpoint());
            }
        }
    }

    private void complete(TrialRun t) {
        TrialOutcome o = t.outcome;
        release(t);
        if (o != null && o.failed()) {
            fail(t, o, true);
        } else {
            t.status = TrialStatus.TERMINATED;
            s.scheduler().onTrialComplete(t.id, t.results.isEmpty() ? null : t.results.get(t.results.size() - 1));
        }
        dirty = true;
        saveState(true);
    }

    private void fail(TrialRun t, TrialOutcome o, boolean retryable) {
        if (t.actor != null) {
            release(t);
        }
        t.numFailures++;
        dir.writeError(t.id, o.summary() + (o.errorStack() == null ? "" : "\n" + o.errorStack()));
        if (retryable && t.numFailures <= s.maxFailures()) {
            LOG.warn("Trial {} failed ({}); retry {} of {}{}", t.id, o.summary(), t.numFailures, s.maxFailures(),
                    t.latestCheckpoint == null ? " from the start" : " from " + t.latestCheckpoint);
            t.status = TrialStatus.PENDING;
        } else {
            LOG.warn("Trial {} failed: {}", t.id, o.summary());
            t.status = TrialStatus.ERROR;
            t.error = o.summary();
            s.scheduler().onTrialError(t.id);
        }
        dirty = true;
        saveState(true);
    }

    /** Ends a running trial early (scheduler or stop criterion): it counts as TERMINATED. */
    private void stop(TrialRun t) {
        release(t);
        t.status = TrialStatus.TERMINATED;
        dirty = true;
    }

    // ---- starting trials ----------------------------------------------------------------------

    private void startPendingTrials() {
        for (TrialRun t : trials) {
            if (t.status != TrialStatus.PENDING) {
                continue;
            }
            int running = count(TrialStatus.RUNNING);
            if (s.maxConcurrentTrials() > 0 && running >= s.maxConcurrentTrials()) {
                return;
            }
            double freeCpus = clusterCpus - running * s.resourcesPerTrial().totalCpus();
            double freeGpus = clusterGpus - running * s.resourcesPerTrial().totalGpus();
            if (s.resourcesPerTrial().totalCpus() > freeCpus + 1e-9 || s.resourcesPerTrial().totalGpus() > freeGpus + 1e-9) {
                return;
            }
            start(t);
        }
    }

    private void start(TrialRun t) {
        TuneResources r = s.resourcesPerTrial();
        String name = "ray-lightning-tune-" + experimentId + "-" + t.id.substring(t.id.indexOf('_') + 1) + "-" + (attempts++);
        t.group = PlacementGroups.createPlacementGroup(new PlacementGroupCreationOptions.Builder()
                .setName(name).setBundles(r.bundles()).setStrategy(PlacementStrategy.PACK).build());
        int seconds = (int) Math.max(1, s.placementTimeout().toSeconds());
        if (!t.group.wait(seconds)) {
            release(t);
            throw new IllegalStateException("Could not reserve trial " + t.id + "'s resources (" + r.bundles()
                    + ") within " + seconds + " s although this experiment's own trials leave room: other jobs"
                    + " hold the cluster's resources");
        }
        t.actor = Ray.actor(TrialActor::new)
                .setName(name + "-trial")
                .setPlacementGroup(t.group, 0)
                .setResources(r.headBundle())
                .setMaxConcurrency(2)
                .setJvmOptions(List.of(
                        "-Dai.djl.pytorch.num_threads=" + Math.max(1, (int) Math.floor(r.headCpus())),
                        "-Dai.djl.pytorch.num_interop_threads=1",
                        "-Dai.djl.offline=true"))
                .remote();
        byte[] restore = new byte[0];
        String restoreName = "";
        long startIteration = 0;
        double timeOffset = 0;
        if (t.latestCheckpoint != null) {
            Path ckpt = dir.resolveCheckpoint(t.id, t.latestCheckpoint);
            try {
                restore = Files.readAllBytes(ckpt);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read trial " + t.id + "'s checkpoint " + ckpt, e);
            }
            restoreName = ckpt.getFileName().toString();
            startIteration = t.checkpointIteration;
            timeOffset = t.checkpointTime;
        }
        String control = t.id + "|" + name + "|" + startIteration + "|" + timeOffset + "|" + restoreName;
        t.runRef = t.actor.task(TrialActor::run, shippedTrainable, shippedResources, t.config.toJson(), restore, control)
                .remote();
        t.reportsRef = t.actor.task(TrialActor::nextReports).remote();
        t.status = TrialStatus.RUNNING;
        dirty = true;
        LOG.info("Trial {} started with {}", t.id, t.config);
    }

    private void release(TrialRun t) {
        if (t.actor != null) {
            try {
                t.actor.kill(true);
            } catch (RuntimeException e) {
                LOG.warn("could not kill trial actor of {}", t.id, e);
            }
        }
        if (t.group != null) {
            try {
                PlacementGroups.removePlacementGroup(t.group.getId());
            } catch (RuntimeException e) {
                LOG.warn("could not remove the placement group of trial {}", t.id, e);
            }
        }
        t.clearLive();
    }

    /** Fails before any trial starts when one trial needs more than the whole cluster. */
    private void checkClusterCanFit(RayRuntime runtime) {
        TuneResources r = s.resourcesPerTrial();
        if (r.totalCpus() > clusterCpus + 1e-9) {
            throw new IllegalStateException(String.format(
                    "resourcesPerTrial %s needs %s CPUs per trial, but the Ray cluster at %s has %s CPUs in total"
                            + " (short by %s). Use fewer workers or CPUs per worker, or a bigger cluster.",
                    r, fmt(r.totalCpus()), runtime.address(), fmt(clusterCpus), fmt(r.totalCpus() - clusterCpus)));
        }
        if (r.totalGpus() > clusterGpus + 1e-9) {
            throw new IllegalStateException(String.format(
                    "resourcesPerTrial %s needs %s GPUs per trial, but the Ray cluster at %s has %s (short by %s).",
                    r, fmt(r.totalGpus()), runtime.address(), fmt(clusterGpus), fmt(r.totalGpus() - clusterGpus)));
        }
    }

    // ---- state and output ---------------------------------------------------------------------

    private void saveState(boolean force) {
        long now = System.currentTimeMillis();
        if (!force && (!dirty || now - lastSaveMillis < STATE_SAVE_MILLIS)) {
            return;
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("seed", String.valueOf(s.seed()));
        settings.put("num_samples", String.valueOf(s.numSamples()));
        settings.put("resources_per_trial", s.resourcesPerTrial().toString());
        settings.put("scheduler", s.scheduler().describe());
        dir.saveState(new ExperimentState(s.name(), metric(), mode(), snapshots(), settings));
        lastSaveMillis = now;
        dirty = false;
    }

    private void printTableIfDue() {
        long now = System.nanoTime();
        if (s.verbose() < 2 || now - lastTableNanos < s.reportInterval().toNanos()) {
            return;
        }
        lastTableNanos = now;
        s.out().println(ProgressTableRenderer.table(this));
    }

    List<TrialSnapshot> snapshots() {
        List<TrialSnapshot> out = new ArrayList<>();
        for (TrialRun t : trials) {
            out.add(t.snapshot());
        }
        return out;
    }

    TuneOptions options() {
        return s;
    }

    private String metric() {
        return s.metric().orElse(null);
    }

    private Mode mode() {
        return s.mode().orElse(null);
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** "using 2/4 CPUs" for the status table. */
    String resourcesLine() {
        long running = count(TrialStatus.RUNNING);
        String line = "using " + fmt(running * s.resourcesPerTrial().totalCpus()) + "/" + fmt(clusterCpus) + " CPUs";
        if (clusterGpus > 0) {
            line += ", " + fmt(running * s.resourcesPerTrial().totalGpus()) + "/" + fmt(clusterGpus) + " GPUs";
        }
        return line;
    }

    /** The metric columns of the status table. */
    List<String> metricColumns() {
        if (!s.metricColumns().isEmpty()) {
            return s.metricColumns();
        }
        List<String> cols = new ArrayList<>();
        if (metric() != null) {
            cols.add(metric());
        }
        for (String m : metricNames) {
            if (!cols.contains(m) && cols.size() < 5) {
                cols.add(m);
            }
        }
        return cols;
    }

    private int count(TrialStatus status) {
        int n = 0;
        for (TrialRun t : trials) {
            if (t.status == status) {
                n++;
            }
        }
        return n;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format("%.2f", d);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no message";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
