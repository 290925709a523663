package dev.raylightning.tune.execution;

import dev.raylightning.tune.TrialSnapshot;
import dev.raylightning.tune.results.ExperimentAnalysis;
import dev.raylightning.tune.results.ProgressTable;
import dev.raylightning.tune.results.StatusHeader;

import java.time.LocalDateTime;
import java.util.List;

/** Feeds the controller's live state to {@link ProgressTable}. */
final class ProgressTableRenderer {

    /** Trials listed in the periodic table; the rest are summarised in one line. */
    private static final int MAX_ROWS = 20;

    private ProgressTableRenderer() {}

    static String table(ExperimentController c) {
        List<TrialSnapshot> trials = c.snapshots();
        return ProgressTable.render(header(c, trials.size()), trials, c.metricColumns(), MAX_ROWS);
    }

    static String summary(ExperimentController c, ExperimentAnalysis analysis, boolean interrupted) {
        StatusHeader h = header(c, analysis.trials().size());
        if (interrupted) {
            h = h.withExtra("Interrupted: resume with the same name and storage path to run the unfinished trials");
        }
        String table = ProgressTable.render(h, analysis.trials(), c.metricColumns(), MAX_ROWS);
        return table + ProgressTable.summary(h, analysis.experimentPath(), analysis.trials(),
                c.options().metric().orElse(null), c.options().mode().orElse(null));
    }

    private static StatusHeader header(ExperimentController c, int totalTrials) {
        return StatusHeader.of(c.options().name(), LocalDateTime.now(), c.elapsed(), c.options().scheduler().describe(),
                c.resourcesLine()).withTrainableName("train").withTotalTrials(totalTrials);
    }
}
