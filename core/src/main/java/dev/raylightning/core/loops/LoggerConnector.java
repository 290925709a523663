package dev.raylightning.core.loops;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.loggers.Logger;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lightning's logger connector: rows of metrics go to the loggers, from global rank zero only;
 * on a worker (no loggers of its own) rows travel to the driver as progress events and the
 * driver's loggers write them.
 */
final class LoggerConnector {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LoggerConnector.class);

    private final TrainerContext ctx;

    LoggerConnector(TrainerContext ctx) {
        this.ctx = ctx;
    }

    /** The first logger's directory if it has one, else the default root dir. */
    Path logDir() {
        if (ctx.driverLogDir != null) {
            return ctx.driverLogDir;
        }
        for (Logger l : ctx.loggers) {
            if (l.logDir().isPresent()) {
                return l.logDir().get();
            }
        }
        return ctx.config.defaultRootPath();
    }

    void logHyperparams(LightningModule m) {
        if (!ctx.strategy.isGlobalZero()) {
            return;
        }
        for (Logger l : ctx.loggers) {
            l.logHyperparams(new LinkedHashMap<>(m.hparams()));
        }
    }

    /** Logs {@code row} at the current step with the epoch added; forwards it to a driver. */
    void logRow(Map<String, Double> row) {
        if (row.isEmpty() || !ctx.strategy.isGlobalZero()) {
            return;
        }
        Map<String, Double> withEpoch = new LinkedHashMap<>(row);
        withEpoch.put("epoch", (double) ctx.state.currentEpoch);
        write(withEpoch, ctx.state.globalStep);
        ctx.progress.emit(ProgressEvent.Kind.LOG_ROW, -1, Double.NaN, withEpoch);
    }

    /** Writes a row to this process's loggers (a driver writes the rows its rank zero streams). */
    void write(Map<String, Double> row, long step) {
        for (Logger l : ctx.loggers) {
            l.logMetrics(row, step);
        }
    }

    /** Ends the loggers' run: "success", "interrupted" or "failed". */
    void finish(String how) {
        if (!ctx.strategy.isGlobalZero()) {
            return;
        }
        for (Logger l : ctx.loggers) {
            try {
                l.finish(how);
            } catch (RuntimeException e) {
                LOG.warn("logger {} failed to finish: {}", l.name(), e.toString());
            }
        }
    }
}
