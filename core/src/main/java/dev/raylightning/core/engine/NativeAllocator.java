package dev.raylightning.core.engine;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps glibc from handing libtorch's large tensor buffers back to the kernel after every step.
 * By default glibc serves big allocations with fresh mmaps and trims the heap top eagerly, so a
 * training step that frees and re-allocates the same activations pays thousands of page faults
 * (about 3,000 per step for the Fashion-MNIST CNN). Raising the mmap and trim thresholds once per
 * process keeps those pages mapped; the cost is that up to the trim threshold of freed memory stays
 * with the process. Set {@code -Dray.lightning.malloc-tuning=false} to leave glibc's defaults.
 */
public final class NativeAllocator {

    private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);
    /** System property that turns the tuning off. */
    public static final String PROPERTY = "ray.lightning.malloc-tuning";

    // glibc's mallopt parameters (malloc.h)
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;

    static final int MMAP_THRESHOLD = 64 << 20;
    static final int TRIM_THRESHOLD = 256 << 20;
    static final int TOP_PAD = 64 << 20;

    private static boolean done;
    private static boolean applied;

    private NativeAllocator() {}

    /** The part of the C library this needs. */
    interface CLibrary extends Library {
        int mallopt(int param, int value);
    }

    /** Applies the thresholds once per process (Linux with glibc only); returns whether they are in effect. */
    public static synchronized boolean tune() {
        if (done) {
            return applied;
        }
        done = true;
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true")) || !Platform.isLinux()) {
            return false;
        }
        try {
            CLibrary c = Native.load("c", CLibrary.class);
            // mallopt returns 1 on success; each call is independent
            applied = c.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                    & c.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
                    & c.mallopt(M_TOP_PAD, TOP_PAD) == 1;
            if (!applied) {
                LOG.debug("mallopt refused a threshold; glibc's defaults stay in part");
            }
        } catch (LinkageError | RuntimeException e) {
            // not glibc (e.g. musl) or no JNA native support: the defaults only cost speed
            LOG.debug("Could not tune the native allocator", e);
        }
        return applied;
    }
}
