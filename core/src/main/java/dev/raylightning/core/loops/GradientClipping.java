package dev.raylightning.core.loops;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.TrainerConfig;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/** Lightning's gradient clipping, in place on gradient handles. */
final class GradientClipping {

    private GradientClipping() {}

    /**
     * Clips by value, or by the norm of all gradients: {@code sumAcrossRanks} turns this rank's
     * sum of squares into the total when ranks hold disjoint parts of the gradients.
     */
    static void clip(List<NDArray> grads, double value, TrainerConfig.ClipAlgorithm algorithm,
            DoubleUnaryOperator sumAcrossRanks) {
        if (algorithm == TrainerConfig.ClipAlgorithm.NORM) {
            double sumSquares = 0;
            for (NDArray g : grads) {
                try (NDArray sq = g.square(); NDArray s = sq.sum()) {
                    sumSquares += s.getFloat();
                }
            }
            double norm = Math.sqrt(sumAcrossRanks.applyAsDouble(sumSquares));
            // torch's clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below one
            double coef = value / (norm + 1e-6);
            if (coef < 1) {
                for (NDArray g : grads) {
                    g.muli((float) coef);
                }
            }
        } else {
            for (NDArray g : grads) {
                try (NDArray clipped = g.clip(-value, value)) {
                    g.subi(g).addi(clipped);
                }
            }
        }
    }
}
