package dev.raylightning.bench;

import com.google.gson.JsonObject;

import java.util.Map;

/**
 * One timed run: {@code steps} optimizer steps in {@code seconds}, measured from the end of
 * the last warm-up step to the end of the last step, so every timed step includes fetching
 * its batch, copying it into native memory, forward, backward and the update. {@code phases}
 * holds microseconds per step in each {@link Phase}, or is null when not profiled.
 */
public record Measurement(Variant variant, RunSpec spec, int round, double seconds, double finalLoss,
        Map<Phase, Double> phases) {

    public double stepsPerSecond() {
        return spec.steps() / seconds;
    }

    public double samplesPerSecond() {
        return stepsPerSecond() * spec.batchSize();
    }

    /** One JSON object, with the field names the Python peer uses where they mean the same. */
    public JsonObject toJson(int intraOpThreads, int interOpThreads) {
        JsonObject o = new JsonObject();
        o.addProperty("framework", "ray-lightning-java");
        o.addProperty("mode", variant.mode());
        o.addProperty("model", "mlp");
        o.addProperty("batch_size", spec.batchSize());
        o.addProperty("round", round);
        o.addProperty("threads", intraOpThreads);
        o.addProperty("intra_op_threads", intraOpThreads);
        o.addProperty("inter_op_threads", interOpThreads);
        o.addProperty("optimizer", "adam");
        o.addProperty("lr", 1e-3);
        o.addProperty("warmup", spec.warmup());
        o.addProperty("steps", spec.steps());
        o.addProperty("seconds", round6(seconds));
        o.addProperty("steps_per_s", Math.round(stepsPerSecond() * 1000) / 1000.0);
        o.addProperty("samples_per_s", Math.round(samplesPerSecond() * 10) / 10.0);
        o.addProperty("final_loss", round6(finalLoss));
        o.addProperty("djl_version", ai.djl.engine.Engine.getDjlVersion());
        o.addProperty("libtorch_version", ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
        o.addProperty("java_version", System.getProperty("java.version"));
        return o;
    }

    private static double round6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
