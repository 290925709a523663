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

    /** A checkpoint read and checked for resuming this fit (from {@code source}); nothing of it is applied yet. */
    record Resume(String source, Checkpoint checkpoint, Optional<ParameterOptimizer.State> optimizer) {}

    /**
     * Reads a checkpoint to resume from and checks everything that can be checked before the
     * optimizer exists: the file itself, shard files, every callback's saved state, and that the
     * weights fit the module. A refusal here changes nothing.
     */
    Resume read(Path path) {
        Checkpoint ckpt = CheckpointIO.read(path);
        Optional<ParameterOptimizer.State> optimizerState = ckpt.optimizer().isPresent() ? ckpt.optimizer()
                : OptimizerShards.read(path, ckpt);
        return check(ckpt, optimizerState, "checkpoint " + path);
    }

    /** Checks a checkpoint held in memory (a recovery snapshot) as {@link #read} checks a file. */
    Resume check(Checkpoint ckpt, String source) {
        return check(ckpt, ckpt.optimizer(), source);
    }

    private Resume check(Checkpoint ckpt, Optional<ParameterOptimizer.State> optimizerState, String source) {
        for (Callback cb : ctx.callbacks) {
            Map<String, Object> state = ckpt.callbackStates().get(cb.stateKey());
            if (state != null) {
                try {
                    cb.checkStateDict(state);
                } catch (IllegalArgumentException | ClassCastException e) {
                    throw new CheckpointException(source + " has a state " + cb.stateKey()
                            + " cannot load: " + e.getMessage(), e);
                }
            }
        }
        try {
            ckpt.weights().checkFits(ctx.module.parameters());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(source + " does not fit this module: " + e.getMessage(), e);
        }
        return new Resume(source, ckpt, optimizerState);
    }

    /**
     * Loads a checked checkpoint into the fit about to start: weights, optimizer state (through
     * the strategy) and callback states; returns where the fit continues. When anything is still
     * refused (the optimizer state does not fit), the weights and callback states are put back
     * and this fit's optimizer is discarded, so the trainer keeps the state it had.
     */
    LoopPosition apply(Resume resume) {
        Checkpoint ckpt = resume.checkpoint();
        LightningModule m = ctx.module;
        ModelState before = m.stateDict();
        Map<String, Map<String, Object>> callbacksBefore = callbackStates();
        try {
            m.loadStateDict(ckpt.weights());
            resume.optimizer().ifPresent(s -> ctx.strategy.loadOptimizerState(ctx.optimizer, s));
            loadCallbackStates(ckpt.callbackStates());
        } catch (RuntimeException e) {
            m.loadStateDict(before);
            loadCallbackStates(callbacksBefore);
            ctx.optimizer.close();
            ctx.optimizer = null;
            throw new CheckpointException(resume.source() + " does not fit this module: " + e.getMessage(), e);
        }
        m.onLoadCheckpoint(ckpt.extra());
        LOG.info("Restored {} (epoch {}, batch {}, global step {})", resume.source(), ckpt.loop().epoch(),
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
