package dev.raylightning.strategies.launcher;

import dev.raylightning.strategies.cluster.Reservations;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the warnings and errors logged in this worker JVM (through slf4j to Ray's log4j) for the
 * driver to fetch, so that they appear on the user's console and not only in the worker's log
 * file. Bounded: repeats of the same line are counted, and beyond {@value #MAX_PENDING} lines
 * between fetches the rest are only counted. Ray's own warnings stay in its log; its errors come.
 */
final class WorkerLogCapture extends AbstractAppender {

    static final int MAX_PENDING = 20;
    private static final String NAME = "ray-lightning-driver-forward";
    private static volatile WorkerLogCapture installed;

    private final List<WorkerLogLine> pending = new ArrayList<>();
    private int dropped;

    WorkerLogCapture() {
        super(NAME, null, null, true, Property.EMPTY_ARRAY);
    }

    /** The capture of this JVM, attached to log4j's root logger on first use; null if log4j is not there. */
    static synchronized WorkerLogCapture install() {
        if (installed != null) {
            return installed;
        }
        try {
            LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
            Configuration config = ctx.getConfiguration();
            WorkerLogCapture capture = new WorkerLogCapture();
            capture.start();
            config.addAppender(capture);
            config.getRootLogger().addAppender(capture, Level.WARN, null);
            ctx.updateLoggers();
            installed = capture;
        } catch (RuntimeException | LinkageError e) {
            org.slf4j.LoggerFactory.getLogger(WorkerLogCapture.class)
                    .debug("worker warnings stay in the worker's log", e);
        }
        return installed;
    }

    @Override
    public void append(LogEvent event) {
        if (event.getLoggerName() != null && event.getLoggerName().startsWith("io.ray")
                && !event.getLevel().isMoreSpecificThan(Level.ERROR)) {
            return;
        }
        String message = event.getMessage() == null ? "" : event.getMessage().getFormattedMessage();
        Throwable t = event.getThrown();
        if (t != null) {
            message += " (" + t.getClass().getName() + (t.getMessage() == null ? "" : ": " + Reservations.firstLine(t.getMessage()))
                    + ")";
        }
        add(new WorkerLogLine(event.getLevel().name(), event.getLoggerName(), message, 1));
    }

    synchronized void add(WorkerLogLine line) {
        int last = pending.size() - 1;
        // after a drop the last kept line no longer came right before this one
        if (last >= 0 && dropped == 0 && pending.get(last).logger().equals(line.logger())
                && pending.get(last).message().equals(line.message())) {
            WorkerLogLine prev = pending.get(last);
            pending.set(last, new WorkerLogLine(prev.level(), prev.logger(), prev.message(), prev.repeats() + 1));
        } else if (pending.size() < MAX_PENDING) {
            pending.add(line);
        } else {
            dropped++;
        }
    }

    /** The lines since the last call, with one for the dropped ones if any. */
    synchronized List<WorkerLogLine> drain() {
        List<WorkerLogLine> out = new ArrayList<>(pending);
        if (dropped > 0) {
            out.add(WorkerLogLine.dropped(dropped));
        }
        pending.clear();
        dropped = 0;
        return out;
    }
}
