package dev.raylightning.strategies.launcher;

import dev.raylightning.core.progress.ProgressEvent;

import java.io.Serializable;
import java.util.List;

/** What one drain of a worker brings the driver: rank zero's progress, and every rank's warnings. */
record DrainedEvents(List<ProgressEvent> progress, List<WorkerLogLine> logs) implements Serializable {

    DrainedEvents {
        progress = List.copyOf(progress);
        logs = List.copyOf(logs);
    }

    boolean isEmpty() {
        return progress.isEmpty() && logs.isEmpty();
    }
}
