package dev.raylightning.bench.ddp;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.TrainerFn;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.callbacks.TrainerView;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wall-clock milestones of a run's start on the rank that reports back (rank zero), in epoch
 * milliseconds: the process start, the worker init hook ({@link InitHookStamp}), the trainer's
 * {@code setup} (module built, data loaded), {@code onFitStart} and the first
 * {@code onTrainBatchStart}. The driver subtracts its own clock reading taken just before
 * {@code fit}; both run on one machine, so one wall clock serves.
 */
public final class FirstStepProbe implements Callback {

    private static final long serialVersionUID = 1L;

    private Map<String, Object> seen = new LinkedHashMap<>();

    @Override
    public void setup(TrainerView trainer, LightningModule module, TrainerFn fn) {
        // the driver's copy comes back from the last run: a validate after a fit that validated starts afresh
        seen.remove("validation_start_ms");
        seen.keySet().removeIf(k -> k.startsWith("step_"));
        seen.put("process_start_ms", (double) ProcessHandle.current().info().startInstant()
                .map(java.time.Instant::toEpochMilli).orElse(-1L));
        seen.put("jvm_start_ms", (double) ManagementFactory.getRuntimeMXBean().getStartTime());
        String hook = System.getProperty(InitHookStamp.PROPERTY);
        seen.put("init_hook_ms", hook == null ? -1.0 : Double.parseDouble(hook));
        seen.put("setup_ms", (double) System.currentTimeMillis());
    }

    @Override
    public void onFitStart(TrainerView trainer, LightningModule module) {
        seen.put("fit_start_ms", (double) System.currentTimeMillis());
    }

    @Override
    public void onValidationStart(TrainerView trainer, LightningModule module) {
        seen.putIfAbsent("validation_start_ms", (double) System.currentTimeMillis());
    }

    @Override
    public void onTrainBatchStart(TrainerView trainer, LightningModule module, Batch batch, int batchIdx) {
        seen.putIfAbsent("first_batch_start_ms", (double) System.currentTimeMillis());
    }

    @Override
    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int batchIdx) {
        long done = trainer.globalStep();
        if (Long.bitCount(done) == 1) { // 1, 2, 4, 8, ...: how the first epoch's pace builds up
            seen.putIfAbsent("step_" + done + "_end_ms", (double) System.currentTimeMillis());
        }
    }

    /** Steps {@code n} (powers of two) reached so far, each with its end in epoch milliseconds. */
    public Map<Long, Double> stepEnds() {
        Map<Long, Double> ends = new java.util.TreeMap<>();
        seen.forEach((k, v) -> {
            if (k.startsWith("step_") && v instanceof Number n) {
                ends.put(Long.parseLong(k.substring(5, k.length() - "_end_ms".length())), n.doubleValue());
            }
        });
        return ends;
    }

    @Override
    public void onTrainEnd(TrainerView trainer, LightningModule module) {
        seen.put("train_end_ms", (double) System.currentTimeMillis());
    }

    @Override
    public void onFitEnd(TrainerView trainer, LightningModule module) {
        seen.put("fit_end_ms", (double) System.currentTimeMillis());
    }

    @Override
    public Map<String, Object> stateDict() {
        return new LinkedHashMap<>(seen);
    }

    @Override
    public void loadStateDict(Map<String, Object> state) {
        seen = new LinkedHashMap<>(state);
    }

    /** Milestone {@code key} in epoch milliseconds, or -1 when not reached. */
    public double milestone(String key) {
        Object v = seen.get(key);
        return v instanceof Number n ? n.doubleValue() : -1;
    }
}
