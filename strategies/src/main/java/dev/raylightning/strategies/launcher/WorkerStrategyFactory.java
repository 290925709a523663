package dev.raylightning.strategies.launcher;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.core.strategy.Strategy;

import java.io.Serializable;

/**
 * Turns a worker's place in the group and its connected process group into the strategy that
 * rank's trainer runs with: the gradient policy of a Ray strategy. It travels to every worker,
 * so it is serializable; a small record holding the policy's settings is the usual form.
 */
@FunctionalInterface
public interface WorkerStrategyFactory extends Serializable {

    Strategy create(RankInfo rank, ProcessGroup group);
}
