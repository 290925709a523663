package dev.raylightning.core.callbacks;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.data.Batch;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A terminal progress bar, Lightning's {@code TQDMProgressBar}: epoch, batch of total, rate,
 * ETA, and the loss and progress-bar metrics. It stays quiet when standard output is not a
 * terminal, unless forced (e.g. in notebooks).
 */
public final class ProgressBar implements Callback {

    private static final long serialVersionUID = 1L;

    private final boolean force;
    private transient me.tongfei.progressbar.ProgressBar bar;
    private transient long shown;

    /** A bar that shows only on a terminal. */
    public ProgressBar() {
        this(false);
    }

    /** A bar; {@code force} shows it even without a terminal. */
    public ProgressBar(boolean force) {
        this.force = force;
    }

    private boolean enabled() {
        return force || System.console() != null;
    }

    @Override
    public void onTrainEpochStart(Trainer trainer, LightningModule module) {
        if (!enabled()) {
            return;
        }
        close();
        String epochs = trainer.maxEpochs() >= 0 ? "/" + (trainer.maxEpochs() - 1) : "";
        bar = new ProgressBarBuilder()
                .setTaskName("Epoch " + trainer.currentEpoch() + epochs)
                .setInitialMax(trainer.numTrainingBatches())
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setUnit(" it", 1)
                .showSpeed()
                .setSpeedUnit(ChronoUnit.SECONDS)
                .continuousUpdate()
                .build();
        shown = 0;
    }

    @Override
    public void onTrainBatchEnd(Trainer trainer, LightningModule module, double loss, Batch batch, int batchIdx) {
        if (bar == null) {
            return;
        }
        bar.stepTo(batchIdx + 1L);
        if (++shown % 10 == 0 || batchIdx + 1 == trainer.numTrainingBatches()) {
            bar.setExtraMessage(describe(loss, trainer.progressBarMetrics()));
        }
    }

    @Override
    public void onValidationEnd(Trainer trainer, LightningModule module) {
        if (bar != null && !trainer.sanityChecking()) {
            bar.setExtraMessage(describe(Double.NaN, trainer.progressBarMetrics()));
        }
    }

    @Override
    public void onTrainEpochEnd(Trainer trainer, LightningModule module) {
        if (bar != null) {
            bar.setExtraMessage(describe(Double.NaN, trainer.progressBarMetrics()));
        }
        close();
    }

    @Override
    public void onException(Trainer trainer, LightningModule module, Throwable error) {
        close();
    }

    @Override
    public void onFitEnd(Trainer trainer, LightningModule module) {
        close();
    }

    static String describe(double loss, Map<String, Double> metrics) {
        StringJoiner j = new StringJoiner(" ");
        if (!Double.isNaN(loss)) {
            j.add(String.format(Locale.ROOT, "loss=%.4g", loss));
        }
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            j.add(String.format(Locale.ROOT, "%s=%.4g", e.getKey(), e.getValue()));
        }
        return j.toString();
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
