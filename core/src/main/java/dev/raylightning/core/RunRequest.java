package dev.raylightning.core;

import dev.raylightning.core.checkpoint.ModelState;

import java.io.Serializable;

/**
 * What a {@link dev.raylightning.core.strategy.Launcher} ships to every worker: the entry point,
 * the trainer's configuration, the module and data recipes, the driver's current weights (so all
 * ranks start identical), an optional checkpoint to resume from, and the driver's log directory
 * (workers have no loggers, yet write checkpoints and resolve {@code logDir} where the driver's
 * logger lives).
 */
public record RunRequest(TrainerFn fn, TrainerConfig config, LightningModule module, LightningDataModule dataModule,
        ModelState initialWeights, String checkpointPath, String driverLogDir) implements Serializable {}
