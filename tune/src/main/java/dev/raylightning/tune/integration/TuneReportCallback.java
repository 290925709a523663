package dev.raylightning.tune.integration;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.tune.TrialContext;
import dev.raylightning.core.callbacks.TrainerView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ray Tune's {@code TuneReportCallback} for Lightning: at the chosen hook (validation end by
 * default; never during sanity validation) rank zero reports the trainer's callback metrics to
 * the trial. Metrics are named by a list (same names in Lightning and Tune) or by a map from Tune
 * name to Lightning key; none means all callback metrics. Works with any strategy: with Ray DDP,
 * the report streams from rank zero's worker to the trial's driver, in order with progress.
 */
public class TuneReportCallback extends TuneCallback {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TuneReportCallback.class);

    /** Tune name to Lightning key; empty means every callback metric under its own name. */
    private final Map<String, String> metrics;
    private boolean warnedNoTrial;

    /** Reports every callback metric at validation end. */
    public TuneReportCallback() {
        this(Map.of(), TuneHook.VALIDATION_END);
    }

    /** Reports the named metrics (same names in Tune) at validation end. */
    public TuneReportCallback(List<String> metrics) {
        this(metrics, TuneHook.VALIDATION_END);
    }

    public TuneReportCallback(List<String> metrics, TuneHook on) {
        this(identity(metrics), on);
    }

    /** Reports {@code metrics} (Tune name to Lightning key) at {@code on}. */
    public TuneReportCallback(Map<String, String> metrics, TuneHook on) {
        super(on);
        this.metrics = new LinkedHashMap<>(metrics);
    }

    static Map<String, String> identity(List<String> names) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String n : names) {
            m.put(n, n);
        }
        return m;
    }

    /** The Tune name to Lightning key map (empty: all callback metrics). */
    public Map<String, String> metrics() {
        return Map.copyOf(metrics);
    }

    @Override
    protected void handle(TrainerView trainer, LightningModule module) {
        if (trainer.isGlobalZero()) {
            trainer.sendToDriver(stateKey(), new TuneReport(values(trainer), null, null));
        }
    }

    /** The metrics to report now, by Tune name; missing Lightning keys are skipped with a warning. */
    protected Map<String, Double> values(TrainerView trainer) {
        Map<String, Double> available = trainer.callbackMetrics();
        if (metrics.isEmpty()) {
            return new LinkedHashMap<>(available);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : metrics.entrySet()) {
            Double v = available.get(e.getValue());
            if (v == null) {
                LOG.warn("Metric {} is not among the trainer's callback metrics {}; not reported", e.getValue(),
                        available.keySet());
            } else {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    @Override
    public void onDriverMessage(TrainerView trainer, Serializable payload) {
        if (!(payload instanceof TuneReport report)) {
            return;
        }
        Optional<TrialContext> trial = TrialContext.current();
        if (trial.isEmpty()) {
            if (!warnedNoTrial) {
                warnedNoTrial = true;
                LOG.warn("{} runs outside a Tune trial; its reports are dropped", getClass().getSimpleName());
            }
            return;
        }
        if (report.checkpoint() == null) {
            trial.get().report(report.metrics());
        } else {
            trial.get().report(report.metrics(), report.checkpoint(), report.filename());
        }
    }
}
