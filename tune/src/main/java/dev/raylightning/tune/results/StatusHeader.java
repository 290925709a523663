package dev.raylightning.tune.results;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Objects;

/**
 * The lines above the progress table. The current time is part of it, so that
 * {@link ProgressTable} never reads a clock and renders the same text for the same inputs.
 *
 * @param experimentName the experiment's name, or null to leave its line out
 * @param trainableName prefixed to trial ids in the table ({@code train_3f2a1_00000}), or null for bare ids
 * @param currentTime the wall-clock time to print
 * @param elapsed how long the experiment has run
 * @param scheduler the scheduler's status line (e.g. {@code AsyncHyperBand: num_stopped=1}), or null
 * @param resources the resource use (e.g. {@code using 4/4 CPUs}), printed after {@code Resources: }, or null
 * @param totalTrials how many trials the experiment will run: 0 or less when unknown,
 *     {@link Integer#MAX_VALUE} when unbounded
 * @param extra one more line (e.g. a scheduler's brackets), printed after the scheduler's, or null
 */
public record StatusHeader(String experimentName, String trainableName, LocalDateTime currentTime, Duration elapsed,
        String scheduler, String resources, int totalTrials, String extra) {

    public StatusHeader {
        Objects.requireNonNull(currentTime, "currentTime");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** A header with bare trial ids, no known total and no extra line. */
    public static StatusHeader of(String experimentName, LocalDateTime currentTime, Duration elapsed,
            String scheduler, String resources) {
        return new StatusHeader(experimentName, null, currentTime, elapsed, scheduler, resources, 0, null);
    }

    /** This header with trial names {@code <trainableName>_<trialId>}. */
    public StatusHeader withTrainableName(String name) {
        return new StatusHeader(experimentName, name, currentTime, elapsed, scheduler, resources, totalTrials, extra);
    }

    /** This header with the number of trials the experiment will run ("Number of trials: 3/8"). */
    public StatusHeader withTotalTrials(int total) {
        return new StatusHeader(experimentName, trainableName, currentTime, elapsed, scheduler, resources, total, extra);
    }

    /** This header with one more status line. */
    public StatusHeader withExtra(String line) {
        return new StatusHeader(experimentName, trainableName, currentTime, elapsed, scheduler, resources, totalTrials, line);
    }

    /** How the table names a trial. */
    public String trialName(String trialId) {
        return trainableName == null || trainableName.isEmpty() ? trialId : trainableName + "_" + trialId;
    }
}
