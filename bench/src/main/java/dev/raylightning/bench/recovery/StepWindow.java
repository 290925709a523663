package dev.raylightning.bench.recovery;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.data.Batch;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Records, on rank 0, when each training step ended, and sends the times to the driver's twin at
 * the end of training: throughput after a warm-up, and the extra time around the steps at which
 * snapshots are due, measured against the fit's own typical step (so a machine that runs slower
 * or faster from one fit to the next does not blur the snapshot cost).
 */
final class StepWindow implements Callback {

    private static final long serialVersionUID = 1L;
    /** Intervals after a snapshot step that are charged to it (the snapshot's transfer runs on another thread). */
    private static final int CHARGED_INTERVALS = 5;
    private final int warmup;
    private transient long[] endNanos;
    private transient int steps;
    /** On the driver: rank 0's step end times, by global step - 1. */
    private transient long[] measured;

    StepWindow(int warmup) {
        this.warmup = warmup;
    }

    @Override
    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int idx) {
        if (endNanos == null) {
            endNanos = new long[1024];
        }
        if (steps == endNanos.length) {
            endNanos = Arrays.copyOf(endNanos, steps * 2);
        }
        endNanos[steps++] = System.nanoTime();
    }

    @Override
    public void onTrainEnd(TrainerView trainer, LightningModule module) {
        trainer.sendToDriver(stateKey(), Arrays.copyOf(endNanos, steps));
    }

    @Override
    public void onDriverMessage(TrainerView trainer, Serializable payload) {
        measured = (long[]) payload;
    }

    private long[] measured() {
        if (measured == null || measured.length <= warmup + 1) {
            throw new IllegalStateException("the fit ended before step " + warmup + " or sent no timing");
        }
        return measured;
    }

    /** Global samples per second from the end of step {@code warmup} to the end of the fit. */
    double samplesPerSecond(int samplesPerStep) {
        long[] t = measured();
        int last = t.length - 1;
        return (double) (last - (warmup - 1)) * samplesPerStep / ((t[last] - t[warmup - 1]) / 1e9);
    }

    /** The median time between two step ends after the warm-up, in seconds. */
    double medianStepSeconds() {
        long[] t = measured();
        long[] d = new long[t.length - warmup];
        for (int i = warmup; i < t.length; i++) {
            d[i - warmup] = t[i] - t[i - 1];
        }
        Arrays.sort(d);
        return d[d.length / 2] / 1e9;
    }

    /**
     * Mean extra seconds around the steps whose number is a multiple of {@code every} (after the
     * warm-up): the time of the {@value #CHARGED_INTERVALS} intervals that follow each such step
     * beyond as many typical steps. Without snapshots this is the noise floor.
     */
    double extraSecondsAtMultiplesOf(long every) {
        long[] t = measured();
        double median = medianStepSeconds();
        double sum = 0;
        int n = 0;
        for (int step = warmup; step + CHARGED_INTERVALS < t.length; step++) {
            if (step % every == 0) {
                // t[step - 1] is the end of global step `step`
                sum += (t[step - 1 + CHARGED_INTERVALS] - t[step - 1]) / 1e9 - CHARGED_INTERVALS * median;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
