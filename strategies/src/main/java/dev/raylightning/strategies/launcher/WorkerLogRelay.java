package dev.raylightning.strategies.launcher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Shows workers' warnings and errors on the driver, through the driver's logging under the
 * worker's logger name, prefixed with the rank as Ray prefixes worker output:
 * {@code WARN EarlyStopping - [rank 1] ...}.
 */
final class WorkerLogRelay {

    private WorkerLogRelay() {}

    static void show(int rank, List<WorkerLogLine> lines) {
        for (WorkerLogLine line : lines) {
            Logger log = LoggerFactory.getLogger(line.logger());
            String text = "[rank " + rank + "] " + line.message()
                    + (line.repeats() > 1 ? " (" + line.repeats() + " times in a row)" : "");
            if (line.level().equals("WARN")) {
                log.warn("{}", text);
            } else {
                log.error("{}", text);
            }
        }
    }
}
