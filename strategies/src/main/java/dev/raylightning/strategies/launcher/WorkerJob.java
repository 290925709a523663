package dev.raylightning.strategies.launcher;

import dev.raylightning.core.strategy.RankTask;

import java.io.Serializable;

/**
 * What every worker of a launch receives, once, as shipped bytes: the task to run on its rank,
 * the factory of its rank strategy, and the init hook.
 */
record WorkerJob(RankTask<?> task, WorkerStrategyFactory strategyFactory, WorkerInitHook initHook)
        implements Serializable {}
