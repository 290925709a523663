package dev.raylightning.tune;

import java.io.Serializable;

/**
 * Ray Tune's function trainable: trains one trial from its sampled config and reports through
 * {@link TrialContext#report} or a {@link dev.raylightning.tune.integration.TuneReportCallback}.
 * It runs in the trial's own Ray actor, so it is serializable (a lambda assigned to this type is);
 * classes defined in JShell travel as bytecode.
 */
@FunctionalInterface
public interface Trainable extends Serializable {

    void train(TrialConfig config, TrialContext context) throws Exception;
}
