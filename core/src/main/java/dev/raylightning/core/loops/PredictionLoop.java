package dev.raylightning.core.loops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Prediction;
import dev.raylightning.core.RunningStage;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.HostBatch;
import dev.raylightning.core.data.HostTensor;

import java.util.ArrayList;
import java.util.List;

/** Lightning's prediction loop: every batch's outputs copied out of native memory, with the sample indices. */
final class PredictionLoop {

    private final TrainerContext ctx;

    PredictionLoop(TrainerContext ctx) {
        this.ctx = ctx;
    }

    List<Prediction> run(DataLoader rawLoader) {
        LightningModule m = ctx.module;
        DataLoader loader = ctx.distribute(rawLoader);
        ctx.state.stage = RunningStage.PREDICTING;
        ctx.hooks.call(cb -> cb.onPredictStart(ctx, m), m::onPredictStart);
        ctx.hooks.call(cb -> cb.onPredictEpochStart(ctx, m), m::onPredictEpochStart);
        List<Prediction> out = new ArrayList<>();
        int n = ctx.config.limitPredictBatches().resolve(loader.numBatches());
        try (DataLoader.BatchIterator it = loader.iterator(0)) {
            for (int idx = 0; idx < n && it.hasNext(); idx++) {
                HostBatch host = it.next();
                try (NDManager stepManager = m.manager().newSubManager()) {
                    Batch batch = host.toBatch(stepManager);
                    NDList result = m.predictStep(batch, idx);
                    HostTensor[] outputs = new HostTensor[result.size()];
                    for (int k = 0; k < outputs.length; k++) {
                        outputs[k] = toHost(result.get(k));
                    }
                    out.add(new Prediction(idx, outputs, host.indices()));
                    int i = idx;
                    ctx.hooks.call(cb -> cb.onPredictBatchEnd(ctx, m, batch, i), () -> m.onPredictBatchEnd(batch, i));
                }
            }
        }
        ctx.hooks.call(cb -> cb.onPredictEpochEnd(ctx, m), m::onPredictEpochEnd);
        ctx.hooks.call(cb -> cb.onPredictEnd(ctx, m), m::onPredictEnd);
        return out;
    }

    private static HostTensor toHost(NDArray a) {
        long[] shape = a.getShape().getShape();
        if (a.getDataType() == DataType.INT64 || a.getDataType() == DataType.INT32) {
            return HostTensor.ofLongs(a.toType(DataType.INT64, false).toLongArray(), shape);
        }
        return HostTensor.ofFloats(a.toType(DataType.FLOAT32, false).toFloatArray(), shape);
    }
}
