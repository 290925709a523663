package dev.raylightning.core.callbacks;

import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.progress.ProgressListener;
import me.tongfei.progressbar.ProgressBarBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A terminal progress bar, Lightning's {@code TQDMProgressBar}: epoch, bar, batch of total,
 * elapsed and remaining time, rate, then the loss and progress-bar metrics that fit the
 * terminal's width ({@link ProgressLine}). It is driven by {@link ProgressEvent}s, so it shows
 * local runs and, on the driver, distributed runs alike. It stays quiet when standard output
 * is not a terminal, unless forced (e.g. in notebooks).
 */
public final class ProgressBar implements Callback, ProgressListener {

    private static final long serialVersionUID = 1L;

    private final boolean force;
    private transient me.tongfei.progressbar.ProgressBar bar;
    private transient ProgressLine line;
    /** The latest training loss, still shown after validation and at the epoch's end, as Lightning does. */
    private transient double lastLoss = Double.NaN;

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
                lastLoss = e.loss();
                line.metrics(describe(lastLoss, e.metrics()));
                bar.stepTo(e.batchIdx() + 1L);
            }
            case VALIDATION_END -> {
                if (bar != null) {
                    line.metrics(describe(lastLoss, e.metrics()));
                }
            }
            case EPOCH_END -> {
                if (bar != null) {
                    line.metrics(describe(lastLoss, e.metrics()));
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
        lastLoss = Double.NaN;
        String epochs = e.maxEpochs() >= 0 ? "/" + (e.maxEpochs() - 1) : "";
        line = new ProgressLine();
        bar = new ProgressBarBuilder()
                .setTaskName("Epoch " + e.epoch() + epochs)
                .setInitialMax(e.numBatches())
                .setRenderer(line)
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .build();
    }

    static List<String> describe(double loss, Map<String, Double> metrics) {
        List<String> shown = new ArrayList<>();
        if (!Double.isNaN(loss)) {
            shown.add(String.format(Locale.ROOT, "loss=%.4g", loss));
        }
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            shown.add(String.format(Locale.ROOT, "%s=%.4g", e.getKey(), e.getValue()));
        }
        return shown;
    }

    private void close() {
        if (bar != null) {
            bar.close();
            bar = null;
            line = null;
        }
    }
}
