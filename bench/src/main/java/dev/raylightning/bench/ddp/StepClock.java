package dev.raylightning.bench.ddp;

import com.google.gson.GsonBuilder;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.callbacks.TrainerView;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Times the steady-state training steps of one rank and splits each step at the trainer's hooks:
 * <ul>
 *   <li>{@code data}: end of the previous step to {@code onTrainBatchStart} (next batch from the
 *       loader, copied into native memory);</li>
 *   <li>{@code fwd_bwd}: {@code onTrainBatchStart} to {@code onBeforeOptimizerStep} (forward,
 *       loss, logging, backward);</li>
 *   <li>{@code opt}: {@code onBeforeOptimizerStep} to {@code onTrainBatchEnd} (the strategy's
 *       optimizer step: gradient all-reduce, then Adam);</li>
 *   <li>{@code sync} (only with {@code syncProbe}): a one-float all-reduce at the start of the
 *       optimizer step, which absorbs the ranks' skew, so that {@code opt} then times the
 *       gradient all-reduce of ranks that arrive together.</li>
 * </ul>
 * The window runs from the end of step {@code warmup} to the end of the last step. Wall time and
 * the training thread's CPU time are kept per phase, scheduler counters per window. The summary
 * returns to the driver through {@link #stateDict()} (rank zero's) and, when {@code dumpDir} is
 * set, every rank writes its own as {@code <tag>-rank<r>.json} there (single-node runs).
 */
public final class StepClock implements Callback {

    private static final long serialVersionUID = 1L;
    private static final String[] PHASES = {"data", "fwd_bwd", "sync", "opt", "step"};

    private final int warmup;
    private final long lastStep;
    private final boolean syncProbe;
    private final String dumpDir;
    private final String tag;
    private Map<String, Object> summary = new LinkedHashMap<>();

    private transient Recorder rec;

    /**
     * @param warmup untimed steps before the window
     * @param lastStep the run's last global step (its maxSteps)
     * @param syncProbe add the one-float all-reduce before every optimizer step (changes the run)
     * @param dumpDir where every rank writes its summary, or null
     * @param tag file name prefix for {@code dumpDir}
     */
    public StepClock(int warmup, long lastStep, boolean syncProbe, Path dumpDir, String tag) {
        this.warmup = warmup;
        this.lastStep = lastStep;
        this.syncProbe = syncProbe;
        this.dumpDir = dumpDir == null ? null : dumpDir.toAbsolutePath().toString();
        this.tag = tag;
    }

    @Override
    public void onTrainStart(TrainerView trainer, LightningModule module) {
        rec = new Recorder();
    }

    @Override
    public void onTrainBatchStart(TrainerView trainer, LightningModule module, Batch batch, int batchIdx) {
        rec.mark(Recorder.START);
    }

    @Override
    public void onBeforeOptimizerStep(TrainerView trainer, LightningModule module) {
        rec.mark(Recorder.OPT);
        if (syncProbe) {
            trainer.strategy().reduce(new double[] {0}, ReduceOp.SUM);
        }
        rec.mark(Recorder.SYNC);
    }

    @Override
    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int batchIdx) {
        long step = trainer.globalStep();
        rec.end(step > warmup, step == warmup, step == lastStep);
        rec.lastLoss = loss;
    }

    @Override
    public void onFitEnd(TrainerView trainer, LightningModule module) {
        if (rec == null) {
            return;
        }
        summary = rec.summary();
        // read back on the rank itself: proves the worker's torch pools are the size we think
        summary.put("intra_op_threads", (double) ai.djl.pytorch.jni.JniUtils.getNumThreads());
        summary.put("inter_op_threads", (double) ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
        summary.put("rank", (double) trainer.strategy().globalRank());
        summary.put("world_size", (double) trainer.strategy().worldSize());
        if (dumpDir != null) {
            write(Path.of(dumpDir, tag + "-rank" + trainer.strategy().globalRank() + ".json"), summary);
        }
    }

    @Override
    public Map<String, Object> stateDict() {
        return new LinkedHashMap<>(summary);
    }

    @Override
    public void loadStateDict(Map<String, Object> state) {
        summary = new LinkedHashMap<>(state);
    }

    /** The summary: {@code steps}, {@code seconds}, per-phase microseconds, scheduler counters per step. */
    public Map<String, Object> summary() {
        return summary;
    }

    private static void write(Path file, Map<String, Object> summary) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(summary),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Per-step marks on the training thread; everything here runs on that thread. */
    private static final class Recorder {
        static final int START = 0;
        static final int OPT = 1;
        static final int SYNC = 2;

        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final long[] wall = new long[3];
        private final long[] cpu = new long[3];
        private final Map<String, PhaseSeries> walls = new LinkedHashMap<>();
        private final Map<String, PhaseSeries> cpus = new LinkedHashMap<>();
        private long lastEndWall = -1;
        private long lastEndCpu;
        private long windowStart = -1;
        private long windowEnd;
        private long timedSteps;
        private ThreadSched schedStart;
        private ThreadSched schedEnd;
        double lastLoss = Double.NaN;

        Recorder() {
            for (String p : PHASES) {
                walls.put(p, new PhaseSeries());
                cpus.put(p, new PhaseSeries());
            }
        }

        void mark(int point) {
            wall[point] = System.nanoTime();
            cpu[point] = threads.getCurrentThreadCpuTime();
        }

        void end(boolean timed, boolean windowOpens, boolean windowCloses) {
            long w = System.nanoTime();
            long c = threads.getCurrentThreadCpuTime();
            if (timed) {
                add("data", wall[START] - lastEndWall, cpu[START] - lastEndCpu);
                add("fwd_bwd", wall[OPT] - wall[START], cpu[OPT] - cpu[START]);
                add("sync", wall[SYNC] - wall[OPT], cpu[SYNC] - cpu[OPT]);
                add("opt", w - wall[SYNC], c - cpu[SYNC]);
                add("step", w - lastEndWall, c - lastEndCpu);
                timedSteps++;
                windowEnd = w;
            }
            lastEndWall = w;
            lastEndCpu = c;
            if (windowCloses) {
                schedEnd = ThreadSched.now();
            }
            if (windowOpens) {
                // read after the clocks, so the /proc reads stay out of the first timed step
                schedStart = ThreadSched.now();
                lastEndWall = System.nanoTime();
                lastEndCpu = threads.getCurrentThreadCpuTime();
                windowStart = w;
            }
        }

        private void add(String phase, long wallNanos, long cpuNanos) {
            walls.get(phase).add(wallNanos);
            cpus.get(phase).add(cpuNanos);
        }

        Map<String, Object> summary() {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("steps", (double) timedSteps);
            s.put("seconds", timedSteps == 0 ? Double.NaN : (windowEnd - windowStart) / 1e9);
            s.put("final_loss", lastLoss);
            for (String p : PHASES) {
                PhaseSeries ws = walls.get(p);
                s.put(p + "_us_median", ws.medianMicros());
                s.put(p + "_us_mean", ws.meanMicros());
                s.put(p + "_us_p10", ws.percentileMicros(0.1));
                s.put(p + "_us_p90", ws.percentileMicros(0.9));
                s.put(p + "_cpu_us_mean", cpus.get(p).meanMicros());
            }
            if (schedStart != null && schedEnd != null && timedSteps > 0) {
                ThreadSched d = schedEnd.minus(schedStart);
                s.put("sched_run_us_per_step", d.runNanos() / 1e3 / timedSteps);
                s.put("sched_rq_wait_us_per_step", d.waitNanos() / 1e3 / timedSteps);
                s.put("voluntary_cs_per_step", (double) d.voluntary() / timedSteps);
                s.put("involuntary_cs_per_step", (double) d.involuntary() / timedSteps);
            }
            return s;
        }
    }
}
