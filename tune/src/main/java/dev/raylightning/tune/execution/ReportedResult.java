package dev.raylightning.tune.execution;

import dev.raylightning.tune.TrialResult;

import java.io.Serializable;

/**
 * One report on its way from a trial actor to the controller.
 *
 * @param result the result (its checkpoint field is set by the controller once stored)
 * @param checkpoint checkpoint bytes, or null
 * @param checkpointFilename the checkpoint's file name, or null
 */
record ReportedResult(TrialResult result, byte[] checkpoint, String checkpointFilename) implements Serializable {}
