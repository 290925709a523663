package dev.raylightning.core.loops;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.CheckpointException;
import dev.raylightning.core.checkpoint.CheckpointIO;
import dev.raylightning.core.checkpoint.LoopPosition;
import dev.raylightning.core.checkpoint.ModelState;
import dev.raylightning.core.checkpoint.OptimizerShards;
import dev.raylightning.core.optim.ParameterOptimizer;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Lightning's checkpoint connector: builds the one checkpoint format (weights, optimizer state
 * through the strategy, loop position, callback states, hyper-parameters, extras), saves it on
 * every rank through the strategy, and restores a fit from one.
 */
final class CheckpointConnector {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CheckpointConnector.class);

    private final TrainerContext ctx;

    CheckpointConnector(TrainerContext ctx) {
        this.ctx = ctx;
    }

    /** The checkpoint of the current state; on every rank, since the strategy may gather state. */
    Checkpoint build() {
        LightningModule m = ctx.module;
        if (m == null) {
            throw new IllegalStateException("saveCheckpoint needs a module: call it during or after a run");
        }
        Map<String, Map<String, Object>> states = new LinkedHashMap<>();
        Map<String, Object> extra = new LinkedHashMap<>();
        ctx.hooks.call(cb -> {
            states.put(cb.stateKey(), cb.stateDict());
            cb.onSaveCheckpoint(ctx, m, extra);
        }, () -> m.onSaveCheckpoint(extra));
        ParameterOptimizer.State optimizer = ctx.optimizer != null ? ctx.strategy.optimizerState(ctx.optimizer)
                : ctx.lastOptimizerState;
        return new Checkpoint(m.getClass().getName(), ctx.state.position(), m.stateDict(), optimizer, m.hparams(),
                states, extra);
    }

    /** Builds on every rank, writes through the strategy (rank zero), then waits for every rank. */
    void save(Path path) {
        Checkpoint checkpoint = build();
        ctx.strategy.saveCheckpoint(checkpoint, path);
        ctx.strategy.barrier("save_checkpoint");
    }

    /**
     * Loads weights, optimizer state (through the strategy) and callback states from a checkpoint
     * into the fit about to start; returns where the fit continues. Weights and optimizer are
     * checked before anything changes: a checkpoint that does not fit leaves the module as it was.
     */
    LoopPosition restore(Path path) {
        Checkpoint ckpt = CheckpointIO.read(path);
        // state kept in shard files is read (and checked) before anything changes
        Optional<ParameterOptimizer.State> optimizerState = ckpt.optimizer().isPresent() ? ckpt.optimizer()
                : OptimizerShards.read(path, ckpt);
        LightningModule m = ctx.module;
        ModelState before = m.stateDict();
        try {
            m.loadStateDict(ckpt.weights());
            optimizerState.ifPresent(s -> ctx.strategy.loadOptimizerState(ctx.optimizer, s));
        } catch (RuntimeException e) {
            m.loadStateDict(before);
            throw new CheckpointException("checkpoint " + path + " does not fit this module: " + e.getMessage(), e);
        }
        loadCallbackStates(ckpt.callbackStates());
        m.onLoadCheckpoint(ckpt.extra());
        LOG.info("Restored {} (epoch {}, batch {}, global step {})", path, ckpt.loop().epoch(),
                ckpt.loop().batchesDone(), ckpt.loop().globalStep());
        return ckpt.loop();
    }

    /** Every callback's state, by state key (what checkpoints and run results carry). */
    Map<String, Map<String, Object>> callbackStates() {
        Map<String, Map<String, Object>> states = new LinkedHashMap<>();
        for (Callback cb : ctx.callbacks) {
            states.put(cb.stateKey(), cb.stateDict());
        }
        return states;
    }

    /** Gives each callback its saved state, matched by state key. */
    void loadCallbackStates(Map<String, Map<String, Object>> states) {
        for (Callback cb : ctx.callbacks) {
            Map<String, Object> state = states.get(cb.stateKey());
            if (state != null) {
                cb.loadStateDict(state);
            }
        }
    }
}
