package dev.raylightning.core.strategy;

import java.io.Serializable;

/**
 * What a {@link Launcher} runs on every rank: the trainer's worker-side run, or any other
 * serializable job. It gets the rank's strategy (ranks and collectives) and returns a
 * serializable result; the launcher hands every rank's result back in rank order.
 *
 * @param <R> the per-rank result
 */
@FunctionalInterface
public interface RankTask<R extends Serializable> extends Serializable {

    /**
     * Runs on one rank.
     *
     * @param rankStrategy this rank's strategy, set up by the launcher
     * @param toDriver where global rank zero's progress goes (streamed to the driver), and the
     *     launcher's request to end early for a larger group; null on other ranks
     */
    R run(Strategy rankStrategy, DriverLink toDriver);
}
