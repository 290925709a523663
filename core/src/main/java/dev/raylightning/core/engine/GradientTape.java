package dev.raylightning.core.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Records autograd for one forward/backward pass on the current thread.
 *
 * <p>DJL's own {@code PtGradientCollector} keeps a JVM-wide "already collecting" flag, so two
 * training loops in one JVM (threads, concurrent trials) would fail. Torch's grad mode is
 * thread-local, so this tape only toggles it for the calling thread.
 */
public final class GradientTape implements AutoCloseable {

    private final boolean previousMode;

    /** Enables grad mode on this thread until {@link #close()}. */
    public GradientTape() {
        previousMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
    }

    /** Back-propagates a scalar loss; gradients accumulate into the parameters' grads. */
    public void backward(NDArray loss) {
        try (NDArray seed = loss.onesLike()) {
            JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
        }
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previousMode);
    }
}
