package dev.raylightning.strategies.horovod;

import static dev.raylightning.core.util.Checks.checkArgument;
import static dev.raylightning.core.util.Checks.checkAtLeast;
import static dev.raylightning.core.util.Checks.checkNotNull;

import java.io.Serializable;

/**
 * What every Horovod worker needs to know of its strategy's settings.
 *
 * @param fusionThresholdBytes largest fusion buffer
 * @param reduction how gradients are combined
 * @param backwardPassesPerStep batches summed locally per reduction (the trainer's accumulation window)
 * @param compression how gradients travel
 * @param timelineCapacity events a rank records at most, 0 for no timeline
 * @param unevenInputs whether ranks that ran out of batches join the others' steps
 */
public record HorovodOptions(long fusionThresholdBytes, Reduction reduction, int backwardPassesPerStep,
        Compression compression, int timelineCapacity, boolean unevenInputs) implements Serializable {

    public HorovodOptions {
        checkAtLeast(fusionThresholdBytes, 4, "fusionThresholdBytes");
        checkNotNull(reduction, "reduction");
        checkAtLeast(backwardPassesPerStep, 1, "backwardPassesPerStep");
        checkNotNull(compression, "compression");
        checkAtLeast(timelineCapacity, 0, "timelineCapacity");
        checkArgument(reduction != Reduction.ADASUM || compression == Compression.NONE,
                "Adasum runs on float32 gradients; use Compression.NONE with it, got %s", compression);
    }

    /** Horovod's defaults: 64 MB fusion, average, one pass per step, no compression, no timeline, padded inputs. */
    public static HorovodOptions defaults() {
        return new HorovodOptions(64L << 20, Reduction.AVERAGE, 1, Compression.NONE, 0, false);
    }

    public HorovodOptions withReduction(Reduction r) {
        return new HorovodOptions(fusionThresholdBytes, r, backwardPassesPerStep, compression, timelineCapacity,
                unevenInputs);
    }

    public HorovodOptions withFusionThresholdBytes(long bytes) {
        return new HorovodOptions(bytes, reduction, backwardPassesPerStep, compression, timelineCapacity, unevenInputs);
    }
}
