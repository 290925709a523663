package dev.raylightning.core.callbacks;

import me.tongfei.progressbar.ProgressBarRenderer;
import me.tongfei.progressbar.ProgressState;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One progress line laid out as Lightning's TQDM bar, fitted to the terminal's width:
 * {@code Epoch 1/4:  11%|===       | 49/430 [00:01<00:08, 43.21it/s, loss=0.872, acc=0.91]}.
 * Task, percentage, count, times and rate always show; the bar takes what is left, at least
 * {@value #MIN_BAR} characters; metrics follow in order while they fit, the others are left out.
 */
final class ProgressLine implements ProgressBarRenderer {

    static final int MIN_BAR = 10;
    private static final int MAX_BAR = 40;

    /** Metrics as {@code name=value}, replaced whole by the bar's owner. */
    private volatile List<String> metrics = List.of();

    void metrics(List<String> metrics) {
        this.metrics = List.copyOf(metrics);
    }

    @Override
    public String render(ProgressState s, int maxLength) {
        return layout(s.getTaskName(), s.getCurrent() - s.getStart(), s.getMax() - s.getStart(), s.getCurrent(),
                s.getMax(), s.getElapsedAfterStart(), metrics, maxLength);
    }

    /**
     * The line for {@code done} of {@code total} steps of this run (counted from where the bar
     * started), shown as {@code current/max}, after {@code elapsed}, at most {@code width} characters.
     */
    static String layout(String task, long done, long total, long current, long max, Duration elapsed,
            List<String> metrics, int width) {
        double seconds = elapsed.toNanos() / 1e9;
        double rate = seconds > 0 ? done / seconds : Double.NaN;
        double left = rate > 0 && total > done ? (total - done) / rate : (total > done ? Double.NaN : 0);
        int percent = max > 0 ? (int) Math.min(100, current * 100 / max) : 0;
        String head = String.format(Locale.ROOT, "%s: %3d%%|", task, percent);
        StringBuilder tail = new StringBuilder(String.format(Locale.ROOT, "| %d/%d [%s<%s, %s", current, max,
                clock(seconds), clock(left), rate(rate)));
        for (String m : metrics) {
            if (head.length() + MIN_BAR + tail.length() + 2 + m.length() + 1 > width) {
                break;
            }
            tail.append(", ").append(m);
        }
        tail.append(']');
        int barWidth = Math.max(MIN_BAR, Math.min(MAX_BAR, width - head.length() - tail.length()));
        int filled = max > 0 ? (int) Math.min(barWidth, current * barWidth / max) : 0;
        return head + "=".repeat(filled) + " ".repeat(barWidth - filled) + tail;
    }

    private static String clock(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    private static String rate(double perSecond) {
        if (Double.isNaN(perSecond) || perSecond <= 0) {
            return "?it/s";
        }
        return perSecond >= 1 ? String.format(Locale.ROOT, "%.2fit/s", perSecond)
                : String.format(Locale.ROOT, "%.2fs/it", 1 / perSecond);
    }
}
