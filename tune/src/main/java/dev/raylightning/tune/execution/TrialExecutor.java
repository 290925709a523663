package dev.raylightning.tune.execution;

import dev.raylightning.core.util.JavaBytes;
import dev.raylightning.strategies.cluster.NativeHeapTrim;
import dev.raylightning.strategies.cluster.Reservations;
import dev.raylightning.strategies.launcher.WorkerPool;
import dev.raylightning.tune.TuneOptions;
import dev.raylightning.tune.TuneResources;
import dev.raylightning.tune.results.ExperimentDirectory;
import io.ray.api.ActorHandle;
import io.ray.api.Ray;
import io.ray.api.exception.RayException;
import io.ray.api.placementgroup.PlacementGroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Runs trials on Ray: per trial a placement group (head bundle, then one bundle per DDP worker)
 * and a {@link TrialActor} in the head bundle, with the trial's config and checkpoint; reads
 * what comes back; releases actor and group. It decides nothing: the controller does.
 */
final class TrialExecutor {

    private final TuneOptions options;
    private final String experimentId;
    private final byte[] shippedTrainable;
    private final byte[] shippedResources;
    private int attempts;

    TrialExecutor(TuneOptions options, String experimentId, byte[] shippedTrainable) {
        this.options = options;
        this.experimentId = experimentId;
        this.shippedTrainable = shippedTrainable;
        this.shippedResources = JavaBytes.write(options.resourcesPerTrial());
    }

    /** Reserves the trial's resources, starts its actor and the training function from its latest checkpoint. */
    TrialExecution start(TrialRun t, ExperimentDirectory dir) {
        TuneResources r = options.resourcesPerTrial();
        // workers a fit of this JVM keeps warm would hold resources the trials need
        WorkerPool.releaseIdle();
        String name = "ray-lightning-tune-" + experimentId + "-" + t.id.substring(t.id.indexOf('_') + 1) + "-"
                + (attempts++);
        PlacementGroup group = Reservations.reserve(name, r.bundles(), false, options.placementTimeout(),
                () -> "Could not reserve trial " + t.id + "'s resources (" + r.bundles() + ") although this"
                        + " experiment's own trials leave room: other jobs hold the cluster's resources");
        ActorHandle<TrialActor> actor;
        try {
            actor = Ray.actor(TrialActor::new)
                    .setName(name + "-trial")
                    .setPlacementGroup(group, 0)
                    .setResources(r.headBundle())
                    .setMaxConcurrency(2)
                    .setJvmOptions(Reservations.actorJvmOptions(Reservations.torchThreads(r.headCpus())))
                    .remote();
        } catch (RuntimeException ex) {
            Reservations.release(group, name);
            throw ex;
        }
        TrialExecution e = new TrialExecution(name, group, actor);
        byte[] restore = new byte[0];
        String restoreName = "";
        long startIteration = 0;
        double timeOffset = 0;
        if (t.latestCheckpoint != null) {
            Path ckpt = dir.resolveCheckpoint(t.id, t.latestCheckpoint);
            try {
                restore = Files.readAllBytes(ckpt);
            } catch (IOException ex) {
                release(e, t.id);
                throw new UncheckedIOException("cannot read trial " + t.id + "'s checkpoint " + ckpt, ex);
            }
            restoreName = ckpt.getFileName().toString();
            startIteration = t.checkpointIteration;
            timeOffset = t.checkpointTime;
        }
        byte[] start = JavaBytes.write(new TrialStart(t.id, name, startIteration, timeOffset, restoreName));
        e.runRef = actor.task(TrialActor::run, shippedTrainable, shippedResources, t.config.toJson(), restore, start)
                .remote();
        e.reportsRef = actor.task(TrialActor::nextReports).remote();
        return e;
    }

    /** How the training function ended; a dead actor is a failure that says so. */
    TrialOutcome outcome(TrialExecution e, String trialId) {
        e.runDone = true;
        try {
            e.outcome = (TrialOutcome) JavaBytes.read(Ray.get(e.runRef));
        } catch (RayException ex) {
            e.outcome = new TrialOutcome("TrialActorDied", "the process of trial " + trialId
                    + " died or was killed (" + Reservations.firstLine(ex.getMessage()) + ")", String.valueOf(ex));
        }
        return e.outcome;
    }

    /** The reports the last {@code nextReports} call returned; empty when the actor is gone. */
    Optional<ReportBatch> reports(TrialExecution e) {
        try {
            return Optional.of((ReportBatch) JavaBytes.read(Ray.get(e.reportsRef)));
        } catch (RayException ex) {
            e.reportsDone = true;
            return Optional.empty();
        }
    }

    /** Asks for the next reports (one call stays outstanding per running trial). */
    void requestReports(TrialExecution e) {
        e.reportsRef = e.actor.task(TrialActor::nextReports).remote();
    }

    /** Kills the trial's actor (its DDP workers go with it) and removes its placement group. */
    void release(TrialExecution e, String trialId) {
        // neither throws (a failed release is logged)
        Reservations.kill(e.actor, "trial actor of " + trialId);
        Reservations.release(e.group, e.name);
        // as after a fit's launch: what Ray's core worker freed for this trial goes back to the OS
        NativeHeapTrim.afterLaunch();
    }
}
