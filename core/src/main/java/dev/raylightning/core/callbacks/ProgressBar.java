package dev.raylightning.core.callbacks;

import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.progress.ProgressListener;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * A terminal progress bar, Lightning's {@code TQDMProgressBar}: epoch, batch of total, rate,
 * ETA, and the loss and progress-bar metrics. It is driven by {@link ProgressEvent}s, so it shows
 * local runs and, on the driver, distributed runs alike. It stays quiet when standard output
 * is not a terminal, unless forced (e.g. in notebooks).
 */
public final class ProgressBar implements Callback, ProgressListener {

    private static final long serialVersionUID = 1L;

    private final boolean force;
    private transient me.tongfei.progressbar.ProgressBar bar;

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
    public void onProgress(ProgressEvent e) {
        if (!enabled()) {
            return;
        }
        switch (e.kind()) {
            case EPOCH_START -> open(e);
            case BATCH_END -> {
                if (bar == null) {
                    open(e);
                }
                bar.stepTo(e.batchIdx() + 1L);
                bar.setExtraMessage(describe(e.loss(), e.metrics()));
            }
            case VALIDATION_END -> {
                if (bar != null) {
                    bar.setExtraMessage(describe(Double.NaN, e.metrics()));
                }
            }
            case EPOCH_END -> {
                if (bar != null) {
                    bar.setExtraMessage(describe(Double.NaN, e.metrics()));
                }
                close();
            }
            case RUN_END -> close();
            default -> {
                // log rows are for loggers
            }
        }
    }

    private void open(ProgressEvent e) {
        close();
        String epochs = e.maxEpochs() >= 0 ? "/" + (e.maxEpochs() - 1) : "";
        bar = new ProgressBarBuilder()
                .setTaskName("Epoch " + e.epoch() + epochs)
                .setInitialMax(e.numBatches())
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .setUnit(" it", 1)
                .showSpeed()
                .setSpeedUnit(ChronoUnit.SECONDS)
                .continuousUpdate()
                .build();
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
