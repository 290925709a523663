package dev.raylightning.tune.execution;

import java.io.Serializable;

/**
 * What a trial actor needs besides the trainable, config and checkpoint bytes to start a trial.
 *
 * @param trialId the trial's id
 * @param placementGroupName its placement group (worker bundles follow the head bundle)
 * @param startIteration the training iteration of the checkpoint it resumes from (0 when none)
 * @param timeOffsetSeconds the trial's total time at that checkpoint
 * @param restoreFilename the checkpoint's file name, or empty
 */
record TrialStart(String trialId, String placementGroupName, long startIteration, double timeOffsetSeconds,
        String restoreFilename) implements Serializable {}
