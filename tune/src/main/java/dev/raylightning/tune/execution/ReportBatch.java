package dev.raylightning.tune.execution;

import java.io.Serializable;
import java.util.List;

/**
 * The reports a trial actor hands over in one call, oldest first.
 *
 * @param reports the reports since the previous call
 * @param finished whether the training function has returned (or thrown) and nothing more will come
 */
record ReportBatch(List<ReportedResult> reports, boolean finished) implements Serializable {

    ReportBatch {
        reports = List.copyOf(reports);
    }
}
