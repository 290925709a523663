package dev.raylightning.core.loops;

import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.strategy.Launcher;
import dev.raylightning.core.strategy.RecoveryExhaustedException;
import dev.raylightning.core.strategy.RecoveryPolicy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * The driver's part of fault tolerance for one fit: keeps rank zero's latest recovery snapshot,
 * passes on each numbered event once (a restarted fit sends again what its predecessor sent after
 * the snapshot), and decides after each failed launch whether to launch again. A launch whose
 * shrunk group ended at an epoch boundary for a larger one is continued from that point, and is
 * no failure.
 */
final class DriverRecovery {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DriverRecovery.class);

    private final RecoveryPolicy policy;
    private final Consumer<ProgressEvent> deliver;
    private final List<RuntimeException> failures = new ArrayList<>();
    /** The world sizes the fit trained at, in order (an elastic strategy may continue with fewer workers). */
    private final List<Integer> worldSizes = new ArrayList<>();
    private final int fullWorldSize;
    private RecoverySnapshot latest;
    private long highestSequence = -1;
    /** Whether the fit was launched before (the next launch continues it). */
    private boolean relaunch;

    DriverRecovery(RecoveryPolicy policy, Consumer<ProgressEvent> deliver, int worldSize) {
        this.policy = policy;
        this.deliver = deliver;
        this.fullWorldSize = worldSize;
        worldSizes.add(worldSize);
    }

    /**
     * What the next launch's workers do: no recovery, or snapshots (and the restart point, after
     * a failure or an end for a larger group).
     */
    RecoverySnapshot.Plan plan() {
        return policy.enabled() ? new RecoverySnapshot.Plan(policy.snapshotEveryNSteps(), latest, highestSequence,
                relaunch ? worldSizes.get(worldSizes.size() - 1) : 0, fullWorldSize) : null;
    }

    /**
     * After a launch whose {@code worldSize} workers ended at an epoch boundary because the
     * launcher asked for a larger group: the next launch continues from the snapshot of that point.
     */
    void endedToGrow(int worldSize) {
        trainedAt(worldSize);
        relaunch = true;
        LOG.info("The cluster has room for more workers again: the fit continues from epoch {} on a larger group"
                + " (it ran on {} of {})", latest.checkpoint().loop().epoch(), worldSize, fullWorldSize);
    }

    /** Rank zero's streamed event: a snapshot is kept, a numbered event already passed on is dropped. */
    void onEvent(ProgressEvent e) {
        if (e.kind() == ProgressEvent.Kind.RECOVERY_SNAPSHOT) {
            latest = (RecoverySnapshot) e.message().payload();
            trainedAt(latest.worldSize());
            return;
        }
        if (e.kind() == ProgressEvent.Kind.RUN_END) {
            return; // the driver ends the run itself, once, after the last launch
        }
        if (e.sequence() >= 0) {
            if (e.sequence() <= highestSequence) {
                return;
            }
            highestSequence = e.sequence();
        }
        deliver.accept(e);
    }

    /**
     * After a failed launch: returns when the fit is to be launched again from the latest
     * snapshot; otherwise throws the failure (with the earlier, recovered ones suppressed) or,
     * past {@code maxFailures}, a {@link RecoveryExhaustedException} listing them all.
     */
    void onFailure(RuntimeException failure, Launcher launcher) {
        if (!policy.enabled() || Thread.currentThread().isInterrupted() || !launcher.isRecoverable(failure)) {
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
        failures.add(failure);
        relaunch = true;
        if (failures.size() > policy.maxFailures()) {
            throw new RecoveryExhaustedException(policy.maxFailures(), failures);
        }
        String from = latest == null ? "the start of the fit"
                : String.format("the recovery snapshot at epoch %d, batch %d, global step %d",
                        latest.checkpoint().loop().epoch(), latest.checkpoint().loop().batchesDone(),
                        latest.checkpoint().loop().globalStep());
        LOG.warn("{}\nRestarting the workers from {} (failure {} of at most {}).", failure.getMessage(), from,
                failures.size(), policy.maxFailures());
    }

    /** Records that the fit trained with {@code worldSize} ranks (from a snapshot, or the successful launch). */
    void trainedAt(int worldSize) {
        if (worldSizes.get(worldSizes.size() - 1) != worldSize) {
            worldSizes.add(worldSize);
        }
    }

    /** The world sizes the fit trained at, in order: one entry unless an elastic strategy shrank it. */
    List<Integer> worldSizes() {
        return Collections.unmodifiableList(worldSizes);
    }

    /** The failures this fit recovered from (all of them, once it succeeded). */
    List<RuntimeException> failures() {
        return Collections.unmodifiableList(failures);
    }
}
