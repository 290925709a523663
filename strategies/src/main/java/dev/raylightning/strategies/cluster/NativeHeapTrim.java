package dev.raylightning.strategies.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.JMException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/**
 * Returns the C heap's free memory to the operating system after a launch. Each fit makes native
 * code in the driver (Ray's core worker with dozens of threads, each with its own glibc malloc
 * arena; the JIT; libtorch) allocate and free tens of MB; what is freed stays in the arenas,
 * scattered, so the driver's resident memory climbed with every fit although the bytes in use did
 * not grow (docs/architecture.md, "The driver's memory across fits"). The JDK's {@code System.trim_native_heap} command calls
 * glibc's {@code malloc_trim}; elsewhere it does nothing. Set {@value #PROPERTY} to false to skip it.
 */
public final class NativeHeapTrim {

    private static final Logger LOG = LoggerFactory.getLogger(NativeHeapTrim.class);
    /** System property: whether to trim after each launch (default true). */
    public static final String PROPERTY = "ray.lightning.trim-native-heap";

    private NativeHeapTrim() {}

    /** Trims unless turned off; never throws (a JVM without the command just keeps its memory). */
    public static void afterLaunch() {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            return;
        }
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "systemTrimNativeHeap",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            LOG.debug("{}", String.valueOf(out).trim());
        } catch (JMException | RuntimeException e) {
            LOG.debug("Could not trim the native heap", e);
        }
    }
}
