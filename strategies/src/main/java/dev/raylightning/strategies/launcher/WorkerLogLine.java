package dev.raylightning.strategies.launcher;

import java.io.Serializable;

/**
 * A warning or error logged in a worker JVM, on its way to the driver's console.
 *
 * @param level {@code WARN}, {@code ERROR} or {@code FATAL}
 * @param logger the logger's name
 * @param message the formatted message, with the first line of its exception if any
 * @param repeats how many times it was logged in a row (1 when once)
 */
record WorkerLogLine(String level, String logger, String message, int repeats) implements Serializable {

    /** Counts drops of lines beyond the buffer, shown as one line on the driver. */
    static WorkerLogLine dropped(int count) {
        return new WorkerLogLine("WARN", WorkerLogLine.class.getName(), count
                + " more warnings and errors were not forwarded; the worker's Ray log has them all", 1);
    }
}
