package dev.raylightning.bench;

import ai.djl.nn.Block;

/**
 * The example's MLP without the per-step {@code log} call: with it, the {@code trainer-nolog}
 * variant separates what logging costs from what the loop costs.
 */
final class SilentMlpModule extends SilentModule {

    private static final long serialVersionUID = 1L;

    @Override
    protected Block configureBlock() {
        return DjlBaselineLoop.mlp();
    }
}
