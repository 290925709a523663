package dev.raylightning.bench.ddp;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.data.Batch;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a fit's steps warm up, on rank zero: steps grouped by powers of two (step 1, 2-3, 4-7,
 * ...), and for each group the mean wall and CPU milliseconds per step of the phases
 * {@link StepClock} uses (data, forward and backward, optimizer step with the all-reduce) and the
 * training thread's run-queue wait. On new worker JVMs the Java parts of a step run interpreted
 * or in C1 code at first; this shows which phase pays and for how long.
 */
final class FirstEpochPhases implements Callback {

    private static final long serialVersionUID = 1L;
    private static final int GROUPS = 16;
    // per group: data wall, data CPU, fwd+bwd wall, CPU, opt wall, CPU, run-queue wait, steps
    private static final int FIELDS = 8;

    private Map<String, Object> groups = new LinkedHashMap<>();
    private transient double[][] sums;
    private transient ThreadMXBean threads;
    private transient ThreadSched sched;
    private transient long endWall;
    private transient long endCpu;
    private transient long startWall;
    private transient long startCpu;
    private transient long optWall;
    private transient long optCpu;

    @Override
    public void onTrainStart(TrainerView trainer, LightningModule module) {
        sums = new double[GROUPS][FIELDS];
        threads = ManagementFactory.getThreadMXBean();
        sched = ThreadSched.now();
        endWall = System.nanoTime();
        endCpu = threads.getCurrentThreadCpuTime();
    }

    @Override
    public void onTrainBatchStart(TrainerView trainer, LightningModule module, Batch batch, int batchIdx) {
        startWall = System.nanoTime();
        startCpu = threads.getCurrentThreadCpuTime();
    }

    @Override
    public void onBeforeOptimizerStep(TrainerView trainer, LightningModule module) {
        optWall = System.nanoTime();
        optCpu = threads.getCurrentThreadCpuTime();
    }

    @Override
    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int batchIdx) {
        long wall = System.nanoTime();
        long cpu = threads.getCurrentThreadCpuTime();
        ThreadSched now = ThreadSched.now();
        long step = Math.max(1, trainer.globalStep());
        double[] g = sums[Math.min(GROUPS - 1, 63 - Long.numberOfLeadingZeros(step))];
        double[] add = {startWall - endWall, startCpu - endCpu, optWall - startWall, optCpu - startCpu,
            wall - optWall, cpu - optCpu, now.minus(sched).waitNanos(), 1};
        for (int i = 0; i < FIELDS; i++) {
            g[i] += add[i];
        }
        sched = now;
        endWall = System.nanoTime(); // the /proc read stays out of the next step's data phase
        endCpu = threads.getCurrentThreadCpuTime();
    }

    @Override
    public void onTrainEnd(TrainerView trainer, LightningModule module) {
        if (sums == null || trainer.strategy().globalRank() != 0) {
            return;
        }
        groups = new LinkedHashMap<>();
        for (int k = 0; k < GROUPS; k++) {
            double[] g = sums[k];
            double n = g[FIELDS - 1];
            if (n > 0) {
                groups.put("steps " + (1L << k) + "-" + ((2L << k) - 1), String.format(Locale.ROOT,
                        "n=%d data %.2f/%.2f fwd+bwd %.2f/%.2f opt %.2f/%.2f rq-wait %.2f", (long) n,
                        g[0] / n / 1e6, g[1] / n / 1e6, g[2] / n / 1e6, g[3] / n / 1e6, g[4] / n / 1e6,
                        g[5] / n / 1e6, g[6] / n / 1e6));
            }
        }
    }

    @Override
    public Map<String, Object> stateDict() {
        return new LinkedHashMap<>(groups);
    }

    @Override
    public void loadStateDict(Map<String, Object> state) {
        groups = new LinkedHashMap<>(state);
    }

    /** Per group of steps: "n=... data wall/CPU fwd+bwd wall/CPU opt wall/CPU rq-wait" in ms per step. */
    Map<String, Object> groups() {
        return groups;
    }
}
