package dev.raylightning.core.callbacks;

import dev.raylightning.core.RunningStage;
import dev.raylightning.core.TrainerState;
import dev.raylightning.core.TrainerStatus;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.loggers.Logger;
import dev.raylightning.core.strategy.Strategy;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The trainer as callbacks and modules see it during a run: where the loop stands, the metrics,
 * the strategy, and the few things a callback may ask of the loop (stop, save a checkpoint, talk
 * to the driver). {@code Trainer} implements it; in a distributed run each rank's trainer does.
 */
public interface TrainerView {

    /** Status, entry point, stage and why the last fit stopped early, if it did. */
    TrainerState state();

    TrainerStatus status();

    Optional<RunningStage> stage();

    /** Whether the pre-training validation (sanity check) runs. */
    boolean sanityChecking();

    int currentEpoch();

    /** Optimizer steps taken. */
    long globalStep();

    /** The epoch limit, -1 for none. */
    int maxEpochs();

    /** Training batches per epoch after limits. */
    int numTrainingBatches();

    /** Whether a stop was agreed on (every rank sees the same value). */
    boolean shouldStop();

    Map<String, Double> callbackMetrics();

    Map<String, Double> loggedMetrics();

    Map<String, Double> progressBarMetrics();

    /** This rank's strategy (on the driver of a distributed run, the driver's view of it). */
    Strategy strategy();

    default boolean isGlobalZero() {
        return strategy().isGlobalZero();
    }

    /** The loggers; empty on the workers of a distributed run (rows go to the driver's). */
    List<Logger> loggers();

    Path defaultRootDir();

    /** The first logger's directory if it has one, else the default root dir. */
    Path logDir();

    /** The current learning rate, while fitting. */
    Optional<Double> learningRate();

    /**
     * Asks fitting to stop at the end of the epoch (once {@code minEpochs} are done), saying why.
     * Requests of every rank are reduced at epoch end, so all ranks stop together and the lowest
     * asking rank's reason becomes the trainer's stop reason.
     */
    void requestStop(String reason);

    /** {@link #requestStop(String)} with a generic reason. */
    default void requestStop() {
        requestStop("stop requested");
    }

    /**
     * The checkpoint of the current state, without writing it. Call it on every rank: a strategy
     * may gather sharded state, which is a collective.
     */
    Checkpoint buildCheckpoint();

    /**
     * Saves a checkpoint of the module, optimizer, loop position and callback states, Lightning's
     * {@code trainer.save_checkpoint}. Call it on every rank: every rank builds it, global rank
     * zero writes it, and all ranks meet at a barrier afterwards.
     */
    void saveCheckpoint(Path path);

    /**
     * Sends {@code payload} to the driver's callback whose {@link Callback#stateKey()} is
     * {@code callbackKey} (a callback passes its own), which gets it in
     * {@link Callback#onDriverMessage}: right away when this trainer runs on the driver, and
     * streamed in order with progress when it runs a worker's rank. Only global rank zero sends;
     * other ranks return without sending, so callbacks may call this on every rank.
     */
    void sendToDriver(String callbackKey, Serializable payload);
}
