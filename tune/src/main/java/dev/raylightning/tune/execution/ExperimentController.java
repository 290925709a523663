package dev.raylightning.tune.execution;

import dev.raylightning.strategies.cluster.ClusterResources;
import dev.raylightning.strategies.cluster.RayRuntime;
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
import io.ray.api.Ray;
import io.ray.api.WaitResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Runs one experiment on Ray (Ray Tune's controller) as an event loop over named parts: trials
 * and their legal transitions ({@link TrialRun}), execution on Ray ({@link TrialExecutor}),
 * result intake with checkpoint retention ({@link ResultIntake}) and state saving
 * ({@link ExperimentStateSaver}). The loop starts trials while the cluster has room, hands each
 * report to the scheduler and stoppers, restarts failed trials, and always releases every actor
 * and placement group it created.
 */
public final class ExperimentController {

    private static final Logger LOG = LoggerFactory.getLogger(ExperimentController.class);
    /** How often the loop looks at its thread's interrupt flag and the clock while trials run. */
    private static final int WAIT_MILLIS = 1_000;

    private final Trainable trainable;
    private final TuneOptions s;
    private final List<TrialRun> trials = new ArrayList<>();
    private final String experimentId = UUID.randomUUID().toString().replace("-", "").substring(0, 5);
    private ExperimentDirectory dir;
    private TrialExecutor executor;
    private ResultIntake intake;
    private ExperimentStateSaver state;
    private double clusterCpus;
    private double clusterGpus;
    private long startNanos;
    private long lastTableNanos;

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
            saved.get().trials().forEach(t -> trials.add(TrialRun.restored(t)));
            LOG.info("Resuming experiment {}: {} of {} trials already finished", s.name(),
                    trials.stream().filter(t -> t.status().isFinished()).count(), trials.size());
        } else {
            // sampling errors surface here, before any cluster work
            List<TrialConfig> configs = VariantGenerator.generate(s.space(), s.numSamples(), s.seed());
            for (int i = 0; i < configs.size(); i++) {
                trials.add(new TrialRun(String.format("%s_%05d", experimentId, i), configs.get(i)));
            }
        }
        s.scheduler().setDefaults(metric(), mode());
        executor = new TrialExecutor(s, experimentId, ShippedPayload.of(trainable).toBytes());

        RayRuntime runtime = RayRuntime.get();
        clusterCpus = runtime.totalCpus();
        clusterGpus = runtime.totalGpus();
        TuneResources r = s.resourcesPerTrial();
        ClusterResources.checkFits(runtime, "resourcesPerTrial " + r, r.totalCpus(), r.totalGpus(), " per trial");

        dir = saved.isPresent() ? ExperimentDirectory.open(experimentPath)
                : ExperimentDirectory.create(s.storagePath(), s.name());
        intake = new ResultIntake(dir, s);
        state = new ExperimentStateSaver(dir, s, this::snapshots);
        for (TrialRun t : trials) {
            s.scheduler().onTrialAdd(t.id, t.config);
            t.results.forEach(intake::seen);
            if (saved.isEmpty()) {
                dir.writeParams(t.id, t.config);
            } else {
                replay(t);
            }
        }
        state.saveNow();
        startNanos = System.nanoTime();
        boolean interrupted = false;
        try {
            interrupted = loop();
        } finally {
            for (TrialRun t : trials) {
                if (t.is(TrialStatus.RUNNING)) {
                    // an interrupted or failed experiment: these run again on resume
                    release(t, TrialStatus.PENDING);
                }
            }
            state.saveNow();
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
            if (t.is(TrialStatus.TERMINATED)) {
                s.scheduler().onTrialComplete(t.id, t.lastResult());
            } else if (t.is(TrialStatus.ERROR)) {
                s.scheduler().onTrialError(t.id);
            }
        } catch (RuntimeException e) {
            LOG.debug("Could not replay trial {}'s results into {}", t.id, s.scheduler().describe(), e);
        }
    }

    /** The event loop: runs trials until all are finished; returns whether the thread was interrupted. */
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
                    if (t.is(TrialStatus.RUNNING)) {
                        release(t, TrialStatus.TERMINATED);
                    } else if (t.is(TrialStatus.PENDING)) {
                        t.moveTo(TrialStatus.TERMINATED);
                    }
                }
                state.changed();
                return false;
            }
            startPendingTrials();
            List<ObjectRef<byte[]>> refs = new ArrayList<>();
            for (TrialRun t : running()) {
                refs.addAll(t.execution.pending());
            }
            if (refs.isEmpty()) {
                if (count(TrialStatus.PENDING) == 0) {
                    return false;
                }
                continue;
            }
            WaitResult<byte[]> w = Ray.wait(refs, 1, WAIT_MILLIS, true);
            for (ObjectRef<byte[]> ready : w.getReady()) {
                onReady(ready);
            }
            for (TrialRun t : running()) {
                if (t.execution.done()) {
                    complete(t);
                }
            }
            printTableIfDue();
            state.saveIfDue();
        }
    }

    /** A finished call of a running trial: its reports, or the end of its training function. */
    private void onReady(ObjectRef<byte[]> ready) {
        for (TrialRun t : running()) {
            TrialExecution e = t.execution;
            if (ready.equals(e.reportsRef)) {
                onReports(t);
                return;
            }
            if (ready.equals(e.runRef)) {
                executor.outcome(e, t.id);
                return;
            }
        }
    }

    private void onReports(TrialRun t) {
        Optional<ReportBatch> batch = executor.reports(t.execution);
        if (batch.isEmpty()) {
            return;
        }
        for (ReportedResult report : batch.get().reports()) {
            if (!t.is(TrialStatus.RUNNING)) {
                return;
            }
            TrialResult stored;
            try {
                stored = intake.store(t, report);
            } catch (RuntimeException e) {
                // a report this trial cannot store (a bad name, a full disk) ends this trial only
                fail(t, TrialOutcome.failure(e), false);
                return;
            }
            onResult(t, stored);
        }
        if (!t.is(TrialStatus.RUNNING)) {
            return;
        }
        if (batch.get().finished()) {
            t.execution.reportsDone = true;
        } else {
            executor.requestReports(t.execution);
        }
    }

    /** Asks the scheduler and stoppers about a stored result and carries out what they decide. */
    private void onResult(TrialRun t, TrialResult r) {
        state.changed();
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
            release(t, TrialStatus.TERMINATED);
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
        release(t, TrialStatus.PENDING);
        t.latestCheckpoint = dir.copyCheckpoint(source.id, source.latestCheckpoint, t.id).toString();
        t.checkpointIteration = source.checkpointIteration;
        t.checkpointTime = source.checkpointTime;
        t.config = e.newConfig();
        dir.writeParams(t.id, t.config);
        LOG.info("Trial {} continues from trial {}'s checkpoint at iteration {} with {}", t.id, source.id,
                source.checkpointIteration, t.config);
    }

    /** The trial's function ended and every report was taken. */
    private void complete(TrialRun t) {
        TrialOutcome o = t.execution.outcome;
        if (o != null && o.failed()) {
            fail(t, o, true);
            return;
        }
        release(t, TrialStatus.TERMINATED);
        s.scheduler().onTrialComplete(t.id, t.lastResult());
        state.saveNow();
    }

    /** Records the failure; the trial runs again from its latest checkpoint while retries are left. */
    private void fail(TrialRun t, TrialOutcome o, boolean retryable) {
        t.numFailures++;
        dir.writeError(t.id, o.summary() + (o.errorStack() == null ? "" : "\n" + o.errorStack()));
        if (retryable && t.numFailures <= s.maxFailures()) {
            LOG.warn("Trial {} failed ({}); retry {} of {}{}", t.id, o.summary(), t.numFailures, s.maxFailures(),
                    t.latestCheckpoint == null ? " from the start" : " from " + t.latestCheckpoint);
            release(t, TrialStatus.PENDING);
        } else {
            LOG.warn("Trial {} failed: {}", t.id, o.summary());
            release(t, null);
            t.fail(o.summary());
            s.scheduler().onTrialError(t.id);
        }
        state.saveNow();
    }

    /** Releases a running trial's actor and group, then moves it to {@code next} (unless null). */
    private void release(TrialRun t, TrialStatus next) {
        if (t.execution != null) {
            executor.release(t.execution, t.id);
            t.execution = null;
        }
        if (next != null) {
            t.moveTo(next);
        }
        state.changed();
    }

    private void startPendingTrials() {
        TuneResources r = s.resourcesPerTrial();
        for (TrialRun t : trials) {
            if (!t.is(TrialStatus.PENDING)) {
                continue;
            }
            int running = count(TrialStatus.RUNNING);
            if (s.maxConcurrentTrials() > 0 && running >= s.maxConcurrentTrials()) {
                return;
            }
            if (r.totalCpus() > clusterCpus - running * r.totalCpus() + 1e-9
                    || r.totalGpus() > clusterGpus - running * r.totalGpus() + 1e-9) {
                return;
            }
            try {
                t.execution = executor.start(t, dir);
            } catch (RuntimeException e) {
                // no placement in time, an unreadable checkpoint: this trial ends, the others go on
                fail(t, TrialOutcome.failure(e), false);
                continue;
            }
            t.moveTo(TrialStatus.RUNNING);
            state.changed();
            LOG.info("Trial {} started with {}", t.id, t.config);
        }
    }

    // ---- what the status table shows -------------------------------------------------------------

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
        String line = "using " + ClusterResources.number(running * s.resourcesPerTrial().totalCpus()) + "/"
                + ClusterResources.number(clusterCpus) + " CPUs";
        if (clusterGpus > 0) {
            line += ", " + ClusterResources.number(running * s.resourcesPerTrial().totalGpus()) + "/"
                    + ClusterResources.number(clusterGpus) + " GPUs";
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
        for (String m : intake.metricNames()) {
            if (!cols.contains(m) && cols.size() < 5) {
                cols.add(m);
            }
        }
        return cols;
    }

    private List<TrialRun> running() {
        return trials.stream().filter(t -> t.is(TrialStatus.RUNNING)).toList();
    }

    private int count(TrialStatus status) {
        return (int) trials.stream().filter(t -> t.is(status)).count();
    }
}
