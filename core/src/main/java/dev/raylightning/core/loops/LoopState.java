package dev.raylightning.core.loops;

import dev.raylightning.core.RunningStage;
import dev.raylightning.core.TrainerFn;
import dev.raylightning.core.TrainerState;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.checkpoint.LoopPosition;

import java.util.Optional;

/**
 * Where a trainer's loops stand: the one progress record the loops advance, checkpoints save
 * ({@link #position()}) and the trainer reports. Only the loops write it.
 */
final class LoopState {

    TrainerStatus status = TrainerStatus.INITIALIZING;
    TrainerFn fn;
    RunningStage stage;
    int currentEpoch;
    long globalStep;
    /** Training batches per epoch after limits: the most of any rank when ranks join uneven inputs. */
    int numTrainingBatches;
    /** This rank's own training batches per epoch; fewer than numTrainingBatches on a rank that joins early. */
    int ownTrainingBatches;
    /** Positions of the current epoch's sample order trained before this run's first batch of it (see LoopPosition). */
    long samplesBefore;
    /** Whether a training epoch is under way, and how many of its batches are done. */
    boolean inTrainEpoch;
    int batchesDoneInEpoch;
    /** A stop agreed on by every rank, and why. */
    boolean shouldStop;
    String stopReason;
    /** This rank's stop request since the last agreement. */
    String requestedStop;

    /** Starts a run of {@code entry}. */
    void begin(TrainerFn entry) {
        status = TrainerStatus.RUNNING;
        fn = entry;
        shouldStop = false;
        requestedStop = null;
        if (entry == TrainerFn.FITTING) {
            stopReason = null;
        }
    }

    /** Continues fitting from {@code p} (the start, or a checkpoint's position). */
    void restart(LoopPosition p) {
        currentEpoch = p.epoch();
        globalStep = p.globalStep();
        samplesBefore = p.samplesBefore();
    }

    /** Where a fit resumed from a checkpoint taken now would continue. */
    LoopPosition position() {
        if (inTrainEpoch && batchesDoneInEpoch < numTrainingBatches) {
            return new LoopPosition(currentEpoch, batchesDoneInEpoch, globalStep, samplesBefore);
        }
        return inTrainEpoch ? new LoopPosition(currentEpoch + 1, 0, globalStep)
                : new LoopPosition(currentEpoch, 0, globalStep, samplesBefore);
    }

    boolean fitting() {
        return fn == TrainerFn.FITTING;
    }

    TrainerState snapshot() {
        return new TrainerState(status, Optional.ofNullable(fn), Optional.ofNullable(stage),
                Optional.ofNullable(stopReason));
    }
}
