package dev.raylightning.tune;

import static dev.raylightning.core.util.Checks.checkArgument;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one trial reserves, as ray_lightning's {@code get_tune_resources}: a head bundle for the
 * trial's driver (its training function) plus one bundle per DDP worker, packed into one
 * placement group. A trial therefore needs {@code numWorkers x cpusPerWorker + headCpus} CPUs.
 * With zero workers the training function trains in the head bundle itself.
 */
public final class TuneResources implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int numWorkers;
    private final double cpusPerWorker;
    private final boolean useGpu;
    private final double headCpus;

    private TuneResources(int numWorkers, double cpusPerWorker, boolean useGpu, double headCpus) {
        checkArgument(numWorkers >= 0, "resourcesPerTrial: numWorkers must be >= 0, got " + numWorkers);
        checkArgument(cpusPerWorker > 0 && !Double.isInfinite(cpusPerWorker),
                "resourcesPerTrial: cpusPerWorker must be > 0, got " + cpusPerWorker);
        checkArgument(headCpus > 0 && !Double.isInfinite(headCpus),
                "resourcesPerTrial: headCpus must be > 0, got " + headCpus);
        checkArgument(!useGpu || numWorkers > 0,
                "resourcesPerTrial: useGpu needs at least one worker (GPUs go to workers)");
        this.numWorkers = numWorkers;
        this.cpusPerWorker = cpusPerWorker;
        this.useGpu = useGpu;
        this.headCpus = headCpus;
    }

    /** {@code numWorkers} DDP workers of {@code cpusPerWorker} CPUs (and one GPU each if useGpu), plus 1 head CPU. */
    public static TuneResources of(int numWorkers, double cpusPerWorker, boolean useGpu) {
        return new TuneResources(numWorkers, cpusPerWorker, useGpu, 1.0);
    }

    /** A trial without DDP workers: its training function runs on {@code cpus} CPUs of the head bundle. */
    public static TuneResources headOnly(double cpus) {
        return new TuneResources(0, 1.0, false, cpus);
    }

    /** The same with a different head bundle (default 1 CPU). */
    public TuneResources withHeadCpus(double cpus) {
        return new TuneResources(numWorkers, cpusPerWorker, useGpu, cpus);
    }

    public int numWorkers() {
        return numWorkers;
    }

    public double cpusPerWorker() {
        return cpusPerWorker;
    }

    public boolean useGpu() {
        return useGpu;
    }

    public double headCpus() {
        return headCpus;
    }

    /** The head bundle's resources. */
    public Map<String, Double> headBundle() {
        return Map.of("CPU", headCpus);
    }

    /** One worker bundle's resources. */
    public Map<String, Double> workerBundle() {
        Map<String, Double> b = new LinkedHashMap<>();
        b.put("CPU", cpusPerWorker);
        if (useGpu) {
            b.put("GPU", 1.0);
        }
        return b;
    }

    /** All bundles of a trial's placement group: the head first, then one per worker. */
    public List<Map<String, Double>> bundles() {
        List<Map<String, Double>> out = new ArrayList<>();
        out.add(headBundle());
        for (int i = 0; i < numWorkers; i++) {
            out.add(workerBundle());
        }
        return out;
    }

    /** CPUs one trial reserves in all. */
    public double totalCpus() {
        return headCpus + numWorkers * cpusPerWorker;
    }

    /** GPUs one trial reserves in all. */
    public double totalGpus() {
        return useGpu ? numWorkers : 0;
    }

    @Override
    public String toString() {
        return "TuneResources(numWorkers=" + numWorkers + ", cpusPerWorker=" + fmt(cpusPerWorker) + ", useGpu=" + useGpu
                + ", headCpus=" + fmt(headCpus) + "; " + fmt(totalCpus()) + " CPUs per trial)";
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
