package dev.raylightning.strategies.launcher;

import dev.raylightning.core.strategy.RankInfo;

import java.io.Serializable;

/** Code run on every worker before training, ray_lightning's {@code init_hook}. */
@FunctionalInterface
public interface WorkerInitHook extends Serializable {

    void run(RankInfo rank);
}
