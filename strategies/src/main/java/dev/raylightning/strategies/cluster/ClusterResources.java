package dev.raylightning.strategies.cluster;

import java.util.Locale;

/**
 * Refuses, at once and with the shortfall named, a request that the whole Ray cluster could
 * never hold, instead of letting a placement group wait forever. Shared by the strategies'
 * launcher and Tune's controller.
 */
public final class ClusterResources {

    private ClusterResources() {}

    /**
     * Fails with an {@link IllegalStateException} when {@code cpus} or {@code gpus} exceed what all
     * alive nodes of {@code runtime}'s cluster have.
     *
     * @param subject what asks, e.g. a strategy's description
     * @param detail how the request adds up, e.g. " (4 workers x 1 CPU)" or " per trial"
     */
    public static void checkFits(RayRuntime runtime, String subject, double cpus, double gpus, String detail) {
        double haveCpus = runtime.totalCpus();
        if (cpus > haveCpus + 1e-9) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s needs %s CPUs%s, but the Ray cluster at %s has %s CPUs in total (short by %s). "
                            + "Use fewer workers or CPUs per worker, or a bigger cluster.",
                    subject, number(cpus), detail, runtime.address(), number(haveCpus), number(cpus - haveCpus)));
        }
        double haveGpus = runtime.totalGpus();
        if (gpus > haveGpus + 1e-9) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "%s needs %s GPUs%s, but the Ray cluster at %s has %s (short by %s).",
                    subject, number(gpus), detail, runtime.address(), number(haveGpus), number(gpus - haveGpus)));
        }
    }

    /** A resource amount as people write it: whole numbers without a fraction. */
    public static String number(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.2f", d);
    }
}
