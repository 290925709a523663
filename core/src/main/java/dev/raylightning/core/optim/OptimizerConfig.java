package dev.raylightning.core.optim;

import static dev.raylightning.core.util.Checks.checkArgument;

import java.io.Serializable;

/**
 * What {@code configureOptimizers} returns: an optimizer recipe (SGD, Adam or AdamW, the ones
 * the PyTorch engine supports) plus an optional learning-rate schedule. It is a serializable
 * value; {@link ParameterOptimizer} holds the live state.
 */
public final class OptimizerConfig implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The optimizer algorithm. */
    public enum Kind { SGD, ADAM, ADAMW }

    private final Kind kind;
    private final double lr;
    private final double momentum;
    private final double weightDecay;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final LrScheduler scheduler;

    private OptimizerConfig(Kind kind, double lr, double momentum, double weightDecay,
            double beta1, double beta2, double eps, LrScheduler scheduler) {
        checkArgument(lr > 0 && !Double.isInfinite(lr), "lr must be a positive finite number, got " + lr);
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        checkArgument(weightDecay >= 0, "weightDecay must be >= 0, got " + weightDecay);
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        checkArgument(eps > 0, "eps must be > 0, got " + eps);
        this.kind = kind;
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.scheduler = scheduler == null ? LrScheduler.constant() : scheduler;
    }

    /** Plain SGD. */
    public static OptimizerConfig sgd(double lr) {
        return new OptimizerConfig(Kind.SGD, lr, 0, 0, 0.9, 0.999, 1e-8, null);
    }

    /** Adam with torch's defaults (betas 0.9/0.999, eps 1e-8). */
    public static OptimizerConfig adam(double lr) {
        return new OptimizerConfig(Kind.ADAM, lr, 0, 0, 0.9, 0.999, 1e-8, null);
    }

    /** AdamW with decoupled weight decay (torch's default 0.01). */
    public static OptimizerConfig adamW(double lr) {
        return new OptimizerConfig(Kind.ADAMW, lr, 0, 0.01, 0.9, 0.999, 1e-8, null);
    }

    public OptimizerConfig momentum(double m) {
        checkArgument(kind == Kind.SGD, "momentum applies to SGD only, not " + kind);
        return new OptimizerConfig(kind, lr, m, weightDecay, beta1, beta2, eps, scheduler);
    }

    public OptimizerConfig weightDecay(double wd) {
        return new OptimizerConfig(kind, lr, momentum, wd, beta1, beta2, eps, scheduler);
    }

    public OptimizerConfig betas(double b1, double b2) {
        return new OptimizerConfig(kind, lr, momentum, weightDecay, b1, b2, eps, scheduler);
    }

    public OptimizerConfig eps(double e) {
        return new OptimizerConfig(kind, lr, momentum, weightDecay, beta1, beta2, e, scheduler);
    }

    /** Attaches a learning-rate schedule. */
    public OptimizerConfig scheduler(LrScheduler s) {
        return new OptimizerConfig(kind, lr, momentum, weightDecay, beta1, beta2, eps, s);
    }

    public Kind kind() {
        return kind;
    }

    public double lr() {
        return lr;
    }

    public double momentum() {
        return momentum;
    }

    public double weightDecay() {
        return weightDecay;
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double eps() {
        return eps;
    }

    public LrScheduler scheduler() {
        return scheduler;
    }

    @Override
    public String toString() {
        return kind + "(lr=" + lr + (kind == Kind.SGD ? ", momentum=" + momentum : ", betas=" + beta1 + "/" + beta2)
                + ", weightDecay=" + weightDecay + ")";
    }
}
