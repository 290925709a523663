package dev.raylightning.core.loops;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.engine.ModelParameters;
import dev.raylightning.core.optim.ParameterOptimizer;
import dev.raylightning.core.strategy.OptimizerStep;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/** The optimizer step the loop hands its strategy: the module's gradients, clipping as configured, updates. */
final class LoopOptimizerStep implements OptimizerStep {

    private final TrainerContext ctx;

    LoopOptimizerStep(TrainerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public ModelParameters parameters() {
        return ctx.module.parameters();
    }

    @Override
    public ParameterOptimizer optimizer() {
        return ctx.optimizer;
    }

    @Override
    public List<NDArray> openGradients() {
        return ctx.module.parameters().openGradients();
    }

    @Override
    public void clipGradients(List<NDArray> gradients, DoubleUnaryOperator sumAcrossRanks) {
        if (ctx.config.gradientClipVal() > 0) {
            GradientClipping.clip(gradients, ctx.config.gradientClipVal(), ctx.config.gradientClipAlgorithm(),
                    sumAcrossRanks);
        }
    }

    @Override
    public void update(int[] indices) {
        ctx.optimizer.step(indices);
    }

    @Override
    public void clipAndUpdate() {
        if (ctx.config.gradientClipVal() > 0) {
            List<NDArray> grads = openGradients();
            try {
                clipGradients(grads, DoubleUnaryOperator.identity());
            } finally {
                grads.forEach(NDArray::close);
            }
        }
        ctx.optimizer.step();
    }
}
