package dev.raylightning.tune.execution;

import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TuneOptions;
import dev.raylightning.tune.results.ExperimentDirectory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Takes in a trial's reports: stores the checkpoint under {@code checkpoint_<iteration>/}, adds
 * the result to the trial and to {@code result.json} and {@code progress.csv}, and keeps only the
 * checkpoints {@code keepCheckpoints} asks for. Scheduling decisions are the controller's.
 */
final class ResultIntake {

    private final ExperimentDirectory dir;
    private final TuneOptions options;
    private final Set<String> metricNames = new LinkedHashSet<>();

    ResultIntake(ExperimentDirectory dir, TuneOptions options) {
        this.dir = dir;
        this.options = options;
    }

    /** Stores one report of {@code t}; returns the result as recorded (with its checkpoint's path). */
    TrialResult store(TrialRun t, ReportedResult report) {
        TrialResult r = report.result();
        if (report.checkpoint() != null) {
            Path rel = dir.writeCheckpoint(t.id, r.trainingIteration(), report.checkpointFilename(), report.checkpoint());
            r = new TrialResult(r.trialId(), r.trainingIteration(), r.timeTotalSeconds(), r.timeThisIterSeconds(),
                    r.timestamp(), r.metrics(), rel.toString());
            t.latestCheckpoint = rel.toString();
            t.checkpointIteration = r.trainingIteration();
            t.checkpointTime = r.timeTotalSeconds();
        }
        t.results.add(r);
        if (report.checkpoint() != null && options.keepCheckpoints() > 0) {
            pruneCheckpoints(t);
        }
        seen(r);
        dir.appendResult(t.id, t.config, r);
        return r;
    }

    /** Notes the metric names of a result (saved results of a resumed experiment too). */
    void seen(TrialResult r) {
        metricNames.addAll(r.metrics().keySet());
    }

    /** Every metric name reported so far, in first-seen order. */
    Set<String> metricNames() {
        return metricNames;
    }

    /**
     * Keeps the trial's {@code keepCheckpoints} best-scoring checkpoints and its latest; deletes
     * the others (each result names its checkpoint, so the ranking needs no extra state).
     */
    private void pruneCheckpoints(TrialRun t) {
        String metric = options.metric().orElse(null);
        Mode mode = options.mode().orElse(null);
        List<TrialResult> withCheckpoint = new ArrayList<>();
        for (TrialResult r : t.results) {
            if (r.checkpoint() != null && !r.checkpoint().equals(t.latestCheckpoint)
                    && Files.exists(dir.resolveCheckpoint(t.id, r.checkpoint()))) {
                withCheckpoint.add(r);
            }
        }
        // best first; results without the metric rank last
        withCheckpoint.sort(Comparator.comparingDouble((TrialResult r) -> score(r, metric, mode)).reversed());
        Set<String> keep = new LinkedHashSet<>();
        keep.add(t.latestCheckpoint);
        for (TrialResult r : withCheckpoint) {
            if (keep.size() >= options.keepCheckpoints() + 1) {
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

    private static double score(TrialResult r, String metric, Mode mode) {
        if (metric == null || mode == null) {
            return Double.NEGATIVE_INFINITY;
        }
        return r.get(metric).map(mode::score).filter(v -> !Double.isNaN(v)).orElse(Double.NEGATIVE_INFINITY);
    }
}
