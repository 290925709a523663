package dev.raylightning.tune.integration;

import static dev.raylightning.core.util.Checks.checkPathElement;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.checkpoint.Checkpoint;
import dev.raylightning.core.checkpoint.CheckpointIO;
import dev.raylightning.core.callbacks.TrainerView;

import java.util.List;
import java.util.Map;

/**
 * Ray Tune's {@code TuneReportCheckpointCallback}: at the chosen hook every rank builds a
 * full trainer checkpoint (module, optimizer, loop position), then rank zero reports the metrics with it,
 * so every report carries the state that produced it. The checkpoint lands in the trial's
 * directory as {@code checkpoint_<iteration>/<filename>}, readable with
 * {@code LightningModule.loadFromCheckpoint} and resumable with {@code Trainer.fit(..., path)}.
 */
public class TuneReportCheckpointCallback extends TuneReportCallback {

    private static final long serialVersionUID = 1L;
    /** Ray Tune's default checkpoint file name. */
    public static final String DEFAULT_FILENAME = "checkpoint";

    private final String filename;

    /** Every callback metric, file "checkpoint", at validation end. */
    public TuneReportCheckpointCallback() {
        this(Map.of(), DEFAULT_FILENAME, TuneHook.VALIDATION_END);
    }

    public TuneReportCheckpointCallback(List<String> metrics) {
        this(identity(metrics), DEFAULT_FILENAME, TuneHook.VALIDATION_END);
    }

    public TuneReportCheckpointCallback(List<String> metrics, String filename, TuneHook on) {
        this(identity(metrics), filename, on);
    }

    /** Reports {@code metrics} (Tune name to Lightning key) with a checkpoint named {@code filename} at {@code on}. */
    public TuneReportCheckpointCallback(Map<String, String> metrics, String filename, TuneHook on) {
        super(metrics, on);
        this.filename = checkPathElement(filename, "filename");
    }

    public String filename() {
        return filename;
    }

    @Override
    protected void handle(TrainerView trainer, LightningModule module) {
        // built on every rank (a strategy may gather sharded state), sent by rank zero
        Checkpoint checkpoint = trainer.buildCheckpoint();
        if (trainer.isGlobalZero()) {
            trainer.sendToDriver(stateKey(), new TuneReport(values(trainer), CheckpointIO.toBytes(checkpoint), filename));
        }
    }
}
