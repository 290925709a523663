package dev.raylightning.core.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.raylightning.core.engine.ModelParameters;
import dev.raylightning.core.engine.TensorViews;
import dev.raylightning.core.util.DirectBuffers;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The live optimizer over a module's trainable parameters, in block order. It applies DJL's
 * Sgd/Adam/AdamW update rules, but keeps its state where a checkpoint can read and restore it
 * (DJL's optimizers hide theirs and key it by per-process random ids). Float32 CPU tensors are
 * updated in one pass from Java ({@link UpdateKernels}); anything else, or every parameter with
 * {@code -Dray.lightning.fused-optimizer=false}, through DJL's native kernels.
 */
public final class ParameterOptimizer implements AutoCloseable {

    /** System property: {@code false} runs every update through DJL's native kernels. */
    public static final String FUSED_PROPERTY = "ray.lightning.fused-optimizer";

    private final OptimizerConfig config;
    /** The weights it updates, in block order; each carries its gradient. */
    private final List<NDArray> params;
    /** Per parameter: SGD momentum buffer, or Adam first and second moments. */
    private final NDArray[][] state;
    private final long[] updates;
    private double currentLr;
    private final boolean fused;
    private final UpdateKernels kernels = new UpdateKernels();
    /** Per parameter: views on the weight and its state for the Java kernels; null until checked. */
    private final FloatBuffer[][] views;
    /** Per parameter: its tensors refused a view once, so it stays on the native kernels. */
    private final boolean[] nativeOnly;
    /** Per parameter: where the gradient's storage was at its last check, 0 before the first. */
    private final long[] gradAddresses;

    public ParameterOptimizer(OptimizerConfig config, ModelParameters parameters) {
        this(config, parameters.trainable().stream().map(Parameter::getArray).toList());
    }

    /**
     * An optimizer over any weights that carry gradients, e.g. the flat shard of the parameters a
     * rank owns under a sharded strategy.
     */
    public ParameterOptimizer(OptimizerConfig config, List<NDArray> weights) {
        this.config = config;
        this.params = List.copyOf(weights);
        this.state = new NDArray[params.size()][];
        this.updates = new long[params.size()];
        this.currentLr = config.lr();
        this.fused = Boolean.parseBoolean(System.getProperty(FUSED_PROPERTY, "true"));
        this.views = new FloatBuffer[params.size()][];
        this.nativeOnly = new boolean[params.size()];
        this.gradAddresses = new long[params.size()];
    }

    public OptimizerConfig config() {
        return config;
    }

    /** Learning rate the next step uses. */
    public double learningRate() {
        return currentLr;
    }

    /** Sets the rate the next step uses (a shard's optimizer follows the loop's schedule). */
    public void setLearningRate(double lr) {
        currentLr = lr;
    }

    /** Sets the rate from the schedule after {@code count} completed intervals. */
    public void applySchedule(long count) {
        currentLr = config.scheduler().learningRate(config.lr(), count);
    }

    /** Number of trainable parameters this optimizer updates. */
    public int parameterCount() {
        return params.size();
    }

    /**
     * Applies one update with each parameter's current gradient, then zeroes the gradients.
     */
    public void step() {
        for (int i = 0; i < params.size(); i++) {
            update(i);
        }
    }

    /**
     * Updates only the parameters at {@code indices} (positions in block order), then zeroes every
     * gradient: a sharded rank steps what it owns, and the others' weights arrive by gather.
     * State (moments) is allocated only for parameters that are updated.
     */
    public void step(int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= params.size()) {
                throw new IndexOutOfBoundsException("parameter " + i + " of " + params.size());
            }
        }
        for (int i : indices) {
            update(i);
        }
        for (NDArray p : params) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }

    /**
     * Updates each weight with the given gradient (same order, same sizes) instead of the one it
     * carries; the gradients are left as they are. A sharded rank steps its flat shard this way.
     */
    public void step(List<NDArray> gradients) {
        if (gradients.size() != params.size()) {
            throw new IllegalArgumentException(gradients.size() + " gradients for " + params.size() + " weights");
        }
        for (int i = 0; i < params.size(); i++) {
            apply(i, (PtNDArray) gradients.get(i));
        }
    }

    /** Whether parameter {@code i}'s last update ran in Java (tests; false before its first step). */
    boolean updatedInJava(int i) {
        return fused && !nativeOnly[i] && views[i] != null;
    }

    /** The weights this optimizer updates, in order. */
    public List<NDArray> weights() {
        return params;
    }

    private void update(int i) {
        PtNDArray weight = (PtNDArray) params.get(i);
        try (NDArray g = weight.getGradient()) {
            apply(i, (PtNDArray) g);
            JniUtils.zeroGrad(weight);
        }
    }

    /** One update of weight {@code i} with {@code grad}: in Java where the tensors allow it, natively otherwise. */
    private void apply(int i, PtNDArray grad) {
        float lr = (float) currentLr;
        PtNDArray weight = (PtNDArray) params.get(i);
        updates[i]++;
        float wd = (float) config.weightDecay();
        switch (config.kind()) {
            case SGD -> {
                float momentum = (float) config.momentum();
                NDArray[] m = momentum == 0 ? new NDArray[0] : moments(i, weight, 1);
                FloatBuffer g = javaViews(i, grad);
                if (g != null) {
                    kernels.sgd(views[i][0], g, m.length == 0 ? null : views[i][1], views[i][0].capacity(), lr, wd,
                            momentum);
                } else {
                    JniUtils.sgdUpdate(weight, grad, m.length == 0 ? null : (PtNDArray) m[0], lr, wd, 1f, -1f,
                            momentum);
                }
            }
            case ADAM, ADAMW -> {
                NDArray[] mv = moments(i, weight, 2);
                double coef1 = 1.0 - Math.pow(config.beta1(), updates[i]);
                double coef2 = 1.0 - Math.pow(config.beta2(), updates[i]);
                float corrected = (float) (lr * Math.sqrt(coef2) / coef1);
                boolean decoupled = config.kind() == OptimizerConfig.Kind.ADAMW;
                FloatBuffer g = javaViews(i, grad);
                if (g != null) {
                    kernels.adam(views[i][0], g, views[i][1], views[i][2], views[i][0].capacity(), lr, corrected, wd,
                            (float) config.beta1(), (float) config.beta2(), (float) config.eps(), decoupled);
                } else {
                    JniUtils.adamUpdate(weight, grad, (PtNDArray) mv[0], (PtNDArray) mv[1], lr, corrected, wd, 1f,
                            -1f, (float) config.beta1(), (float) config.beta2(), (float) config.eps(), decoupled);
                }
            }
            default -> throw new IllegalStateException("unknown optimizer " + config.kind());
        }
    }

    /**
     * The gradient's view when parameter {@code i} updates in Java, with {@code views[i]} set to
     * its weight's and state's; null when it takes the native kernels. A gradient at the address
     * that passed the full check before needs one view; any other (a caller may pass other arrays)
     * is checked again. The first refusal is final.
     */
    private FloatBuffer javaViews(int i, NDArray grad) {
        if (!fused || nativeOnly[i]) {
            return null;
        }
        if (views[i] == null) {
            NDArray[] s = state[i] == null ? new NDArray[0] : state[i];
            FloatBuffer[] v = new FloatBuffer[1 + s.length];
            for (int k = 0; k < v.length; k++) {
                Optional<FloatBuffer> view = TensorViews.of(k == 0 ? params.get(i) : s[k - 1]);
                if (view.isEmpty()) {
                    nativeOnly[i] = true;
                    return null;
                }
                v[k] = view.get();
            }
            views[i] = v;
        }
        if (grad.size() != params.get(i).size()) {
            nativeOnly[i] = true;
            return null;
        }
        Optional<FloatBuffer> g = gradAddresses[i] == 0 ? Optional.empty() : TensorViews.at(grad, gradAddresses[i]);
        if (g.isEmpty()) {
            g = TensorViews.of(grad);
            if (g.isEmpty()) {
                nativeOnly[i] = true;
                return null;
            }
            gradAddresses[i] = DirectBuffers.address(g.get());
        }
        return g.get();
    }

    private NDArray[] moments(int i, NDArray weight, int count) {
        if (state[i] == null) {
            NDArray[] s = new NDArray[count];
            for (int k = 0; k < count; k++) {
                s[k] = weight.zerosLike();
                s[k].setRequiresGradient(false);
            }
            state[i] = s;
        }
        return state[i];
    }

    /** A copy of the optimizer state for checkpoints: update counts, rate and moment buffers. */
    public State exportState() {
        List<float[]> buffers = new ArrayList<>();
        int[] widths = new int[params.size()];
        for (int i = 0; i < params.size(); i++) {
            NDArray[] s = state[i];
            widths[i] = s == null ? 0 : s.length;
            if (s != null) {
                for (NDArray a : s) {
                    buffers.add(a.toFloatArray());
                }
            }
        }
        return new State(config.kind().name(), updates.clone(), currentLr, widths, buffers);
    }

    /**
     * Restores exported state. Everything is checked before anything changes, so a mismatching
     * state leaves this optimizer untouched.
     */
    public void loadState(State s) {
        if (!s.kind().equals(config.kind().name())) {
            throw new IllegalArgumentException(
                    "checkpoint optimizer is " + s.kind() + " but the module configures " + config.kind());
        }
        if (s.updates().length != params.size() || s.buffersPerParameter().length != params.size()) {
            throw new IllegalArgumentException("checkpoint optimizer covers " + s.updates().length
                    + " parameters, the module has " + params.size());
        }
        int k = 0;
        for (int i = 0; i < params.size(); i++) {
            long n = params.get(i).size();
            for (int j = 0; j < s.buffersPerParameter()[i]; j++) {
                if (k >= s.buffers().size() || s.buffers().get(k).length != n) {
                    throw new IllegalArgumentException("checkpoint optimizer state does not fit parameter " + i);
                }
                k++;
            }
        }
        k = 0;
        for (int i = 0; i < params.size(); i++) {
            int width = s.buffersPerParameter()[i];
            closeState(i);
            if (width > 0) {
                NDArray[] bufs = moments(i, params.get(i), width);
                for (int j = 0; j < width; j++) {
                    ModelParameters.writeInPlace(bufs[j], s.buffers().get(k++));
                }
            }
        }
        System.arraycopy(s.updates(), 0, updates, 0, updates.length);
        currentLr = s.learningRate();
    }

    private void closeState(int i) {
        views[i] = null;
        if (state[i] != null) {
            for (NDArray a : state[i]) {
                a.close();
            }
            state[i] = null;
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < state.length; i++) {
            closeState(i);
        }
    }

    /** Plain-data optimizer state. */
    public record State(String kind, long[] updates, double learningRate, int[] buffersPerParameter,
            List<float[]> buffers) implements java.io.Serializable {}
}
