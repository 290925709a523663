package dev.raylightning.tune;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link Trainable} sees of its trial (Ray Tune's session): who it is, what it may resume
 * from, and where its reports go. {@link #current()} finds it from anywhere in the trial's process,
 * which is how {@link dev.raylightning.tune.integration.TuneReportCallback} reports.
 */
public interface TrialContext {

    /** The trial's id, unique within its experiment. */
    String trialId();

    /** The resources the trial holds; a {@code RayDdpStrategy} in the trial uses its worker bundles. */
    TuneResources resources();

    /** The checkpoint file to resume from, when the trial restarts after a failure or an interrupted run. */
    Optional<Path> checkpoint();

    /** Reports made so far (including those before a restart from a checkpoint). */
    long iteration();

    /** Reports metrics: one training iteration. */
    void report(Map<String, ? extends Number> metrics);

    /**
     * Reports metrics together with a checkpoint of the state that produced them; the checkpoint
     * is stored as {@code checkpoint_<iteration>/<filename>} in the trial's directory.
     */
    void report(Map<String, ? extends Number> metrics, byte[] checkpoint, String filename);

    /** The context of the trial running in this process, if any. */
    static Optional<TrialContext> current() {
        return dev.raylightning.tune.execution.TuneSession.current();
    }
}
