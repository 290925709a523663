package dev.raylightning.bench.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.raylightning.bench.JsonLines;
import dev.raylightning.bench.Stats;
import dev.raylightning.core.engine.NativeAllocator;
import dev.raylightning.core.optim.OptimizerConfig;
import dev.raylightning.core.optim.ParameterOptimizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * One optimizer step over a model's worth of parameters, DJL's native kernels against the Java
 * loops of {@code ParameterOptimizer}, alternating in one JVM on one thread: the optimizer's share
 * of a training step without anything else around it. The parameter sizes are the benchmark
 * models' (the example MLP, cnn-m, cnn-l), each split into the same tensors as the model.
 */
@Command(name = "optimizer-kernels", mixinStandardHelpOptions = true,
        description = "Microseconds per optimizer step: DJL's native update kernels against the Java loops.")
public final class OptimizerKernelBench implements Callable<Integer> {

    /** Parameter tensor sizes of the benchmark models, in block order. */
    private static final Map<String, long[]> MODELS = Map.of(
            "mlp", new long[] {100_352, 128, 1_280, 10},
            "cnn-m", new long[] {288, 32, 18_432, 64, 1_179_648, 128, 1_280, 10},
            "cnn-l", new long[] {288, 32, 18_432, 64, 73_728, 128, 4_718_592, 1_024, 10_240, 10});

    @Option(names = "--models", split = ",", description = "mlp, cnn-m, cnn-l (default: ${DEFAULT-VALUE})")
    List<String> models = List.of("mlp", "cnn-m", "cnn-l");

    @Option(names = "--optimizers", split = ",", description = "adam, adamw, sgd-momentum (default: ${DEFAULT-VALUE})")
    List<String> optimizers = List.of("adam", "sgd-momentum");

    @Option(names = "--rounds", description = "alternating rounds (default: ${DEFAULT-VALUE})")
    int rounds = 5;

    @Option(names = "--millis", description = "timed milliseconds per side and round (default: ${DEFAULT-VALUE})")
    int millis = 400;

    @Option(names = "--json-out", description = "also append the JSON lines to this file")
    Path jsonOut;

    @Override
    public Integer call() {
        NativeAllocator.tune(); // as every training process does: libtorch's temporaries stay mapped
        JsonLines out = new JsonLines(jsonOut);
        for (String model : models) {
            long[] sizes = MODELS.get(model);
            if (sizes == null) {
                throw new CommandLine.ParameterException(new CommandLine(this), "unknown model " + model);
            }
            for (String optimizer : optimizers) {
                Map<Boolean, List<Double>> micros = new TreeMap<>();
                List<Double> ratios = new ArrayList<>();
                for (int round = 0; round < rounds; round++) {
                    double[] perSide = new double[2];
                    for (int k = 0; k < 2; k++) {
                        boolean java = (round + k) % 2 == 0;
                        perSide[java ? 1 : 0] = microsPerStep(sizes, config(optimizer), java);
                        micros.computeIfAbsent(java, x -> new ArrayList<>()).add(perSide[java ? 1 : 0]);
                    }
                    ratios.add(perSide[0] / perSide[1]);
                }
                Stats nat = Stats.of(micros.get(false));
                Stats java = Stats.of(micros.get(true));
                Stats ratio = Stats.of(ratios);
                JsonObject o = new JsonObject();
                o.addProperty("bench", "optimizer-kernels");
                o.addProperty("model", model);
                o.addProperty("optimizer", optimizer);
                o.addProperty("parameters", Arrays.stream(sizes).sum());
                o.addProperty("native_us_median", nat.median());
                o.addProperty("java_us_median", java.median());
                o.addProperty("native_over_java_median", ratio.median());
                o.addProperty("native_over_java_min", ratio.min());
                o.addProperty("native_over_java_max", ratio.max());
                out.emit(o);
            }
        }
        return 0;
    }

    private static OptimizerConfig config(String name) {
        return switch (name) {
            case "adam" -> OptimizerConfig.adam(1e-3);
            case "adamw" -> OptimizerConfig.adamW(1e-3).weightDecay(0.01);
            case "sgd-momentum" -> OptimizerConfig.sgd(0.01).momentum(0.9);
            default -> throw new IllegalArgumentException("unknown optimizer " + name);
        };
    }

    /** Median microseconds of one step over tensors of {@code sizes}, after a short warm-up. */
    private double microsPerStep(long[] sizes, OptimizerConfig config, boolean java) {
        System.setProperty(ParameterOptimizer.FUSED_PROPERTY, Boolean.toString(java));
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NDArray> weights = new ArrayList<>();
            List<NDArray> grads = new ArrayList<>();
            for (long n : sizes) {
                weights.add(manager.randomNormal(new Shape(n)));
                grads.add(manager.randomNormal(0f, 1e-2f, new Shape(n), DataType.FLOAT32));
            }
            try (ParameterOptimizer optimizer = new ParameterOptimizer(config, weights)) {
                long warmupEnd = System.nanoTime() + millis * 250_000L;
                while (System.nanoTime() < warmupEnd) {
                    optimizer.step(grads);
                }
                List<Double> samples = new ArrayList<>();
                long end = System.nanoTime() + millis * 1_000_000L;
                while (System.nanoTime() < end) {
                    long t = System.nanoTime();
                    optimizer.step(grads);
                    samples.add((System.nanoTime() - t) / 1e3);
                }
                return Stats.of(samples).median();
            }
        } finally {
            System.clearProperty(ParameterOptimizer.FUSED_PROPERTY);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new OptimizerKernelBench()).execute(args));
    }
}
