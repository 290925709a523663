package dev.raylightning.core.strategy;

import static dev.raylightning.core.util.Checks.checkAtLeast;

import java.io.Serializable;

/**
 * How a distributed fit survives lost workers (Ray Train's {@code FailureConfig}): up to
 * {@code maxFailures} times the launcher's workers are replaced and the fit continues from the
 * latest recovery snapshot, which rank zero sends the driver every {@code snapshotEveryNSteps}
 * optimizer steps. Only failures the launcher calls recoverable ({@link Launcher#isRecoverable})
 * are retried; an exception in user code is not.
 *
 * @param maxFailures how many failures a fit survives; 0 turns recovery (and snapshots) off
 * @param snapshotEveryNSteps optimizer steps between recovery snapshots, at least 1
 */
public record RecoveryPolicy(int maxFailures, long snapshotEveryNSteps) implements Serializable {

    /** Optimizer steps between recovery snapshots unless set otherwise. */
    public static final long DEFAULT_SNAPSHOT_EVERY_N_STEPS = 200;

    /** No recovery: the first failure ends the fit. */
    public static final RecoveryPolicy NONE = new RecoveryPolicy(0, DEFAULT_SNAPSHOT_EVERY_N_STEPS);

    public RecoveryPolicy {
        checkAtLeast(maxFailures, 0, "maxFailures");
        checkAtLeast(snapshotEveryNSteps, 1L, "snapshotEveryNSteps");
    }

    /** Whether failures are retried (and snapshots taken). */
    public boolean enabled() {
        return maxFailures > 0;
    }
}
