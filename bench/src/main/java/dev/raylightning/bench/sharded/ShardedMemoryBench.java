package dev.raylightning.bench.sharded;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.loss.Loss;
import com.google.gson.JsonObject;
import dev.raylightning.bench.JsonLines;
import dev.raylightning.core.LightningDataModule;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.data.Batch;
import dev.raylightning.core.data.DataLoader;
import dev.raylightning.core.data.HostTensor;
import dev.raylightning.core.data.TensorDataset;
import dev.raylightning.core.optim.OptimizerConfig;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.RayShardedStrategy;
import dev.raylightning.strategies.RayStrategy;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.sharded.ShardedWorkerStrategy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Optimizer-state bytes and resident memory of each worker, RayDdpStrategy against
 * RayShardedStrategy, on a wide MLP of about 20 million parameters with Adam: every variant
 * trains a few steps, then every rank reports its own optimizer state (DDP: the state its
 * optimizer holds, read from the checkpoint it would write; sharded: the state of its shard)
 * and its current and peak resident set, reduced to the largest rank.
 */
@Command(name = "sharded-memory", mixinStandardHelpOptions = true,
        description = "Optimizer state and RSS per worker: RayDdpStrategy vs RayShardedStrategy.")
public final class ShardedMemoryBench implements Callable<Integer> {

    @Option(names = "--workers", split = ",", description = "world sizes (default: ${DEFAULT-VALUE})")
    List<Integer> workers = List.of(2, 4);

    @Option(names = "--cpus-per-worker", description = "CPUs per worker (default: ${DEFAULT-VALUE})")
    double cpusPerWorker = 0.5;

    @Option(names = "--hidden", description = "width of the two hidden layers (default: ${DEFAULT-VALUE})")
    int hidden = 4096;

    @Option(names = "--steps", description = "optimizer steps per fit (default: ${DEFAULT-VALUE})")
    int steps = 4;

    @Option(names = "--batch-size", description = "per worker (default: ${DEFAULT-VALUE})")
    int batchSize = 16;

    @Option(names = "--json-out", description = "also append the JSON lines to this file")
    Path jsonOut;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ShardedMemoryBench()).execute(args));
    }

    /** 784 -> hidden -> hidden -> 10 with ReLUs, Adam. */
    static final class WideMlp extends LightningModule {
        private static final long serialVersionUID = 1L;
        private final int hidden;

        WideMlp(int hidden) {
            this.hidden = hidden;
        }

        @Override
        protected Block configureBlock() {
            return new SequentialBlock().add(Linear.builder().setUnits(hidden).build()).add(Activation::relu)
                    .add(Linear.builder().setUnits(hidden).build()).add(Activation::relu)
                    .add(Linear.builder().setUnits(10).build());
        }

        @Override
        protected Shape[] inputShapes() {
            return new Shape[] {new Shape(1, 784)};
        }

        @Override
        public OptimizerConfig configureOptimizers() {
            return OptimizerConfig.adam(1e-4);
        }

        @Override
        public NDArray trainingStep(Batch batch, int batchIdx) {
            return Loss.softmaxCrossEntropyLoss().evaluate(batch.labels(), new NDList(forward(batch.input())));
        }
    }

    /** At fit end, on every rank: own optimizer state and resident memory; rank zero sends the largest. */
    static final class MemoryProbe implements Callback {
        private static final long serialVersionUID = 1L;
        final List<double[]> received = new ArrayList<>();

        @Override
        public void onFitEnd(TrainerView trainer, LightningModule module) {
            double rss = statusKb("VmRSS:");
            double hwm = statusKb("VmHWM:");
            double state = trainer.strategy() instanceof ShardedWorkerStrategy s ? s.optimizerStateElements()
                    : trainer.buildCheckpoint().optimizer().orElseThrow().buffers().stream()
                            .mapToLong(b -> b.length).sum();
            double[] mine = {state, rss, hwm};
            double[] max = trainer.strategy().reduce(mine, ReduceOp.MAX);
            double[] min = trainer.strategy().reduce(mine, ReduceOp.MIN);
            trainer.sendToDriver(stateKey(), new double[] {max[0], max[1], max[2], min[0], min[1], min[2],
                    module.parameters().elementCount()});
        }

        @Override
        public void onDriverMessage(TrainerView trainer, Serializable payload) {
            received.add((double[]) payload);
        }

        private static double statusKb(String key) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith(key)) {
                        return Double.parseDouble(line.substring(key.length()).trim().split("\\s+")[0]);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return Double.NaN;
            }
            return Double.NaN;
        }
    }

    @Override
    public Integer call() {
        JsonLines out = new JsonLines(jsonOut);
        try {
            for (int n : workers) {
                for (String kind : List.of("ddp", "sharded")) {
                    // new workers for every fit: a reused worker's peak would be the previous fit's
                    RayStrategy strategy = kind.equals("ddp")
                            ? RayDdpStrategy.builder(n).resourcesPerWorker(Map.of("CPU", cpusPerWorker))
                                    .workerIdleTimeout(Duration.ZERO).build()
                            : RayShardedStrategy.builder(n).resourcesPerWorker(Map.of("CPU", cpusPerWorker))
                                    .workerIdleTimeout(Duration.ZERO).build();
                    System.err.println("[sharded-memory] " + strategy);
                    MemoryProbe probe = new MemoryProbe();
                    Trainer trainer = Trainer.builder().maxSteps(steps).logger(false).enableCheckpointing(false)
                            .enableProgressBar(false).numSanityValSteps(0).seed(1).strategy(strategy)
                            .callbacks(probe).build();
                    long t0 = System.nanoTime();
                    try (WideMlp m = new WideMlp(hidden)) {
                        trainer.fit(m, data(n));
                    }
                    double[] r = probe.received.get(0);
                    JsonObject o = new JsonObject();
                    o.addProperty("mode", kind);
                    o.addProperty("world_size", n);
                    o.addProperty("parameters", (long) r[6]);
                    o.addProperty("state_bytes_max", (long) r[0] * 4);
                    o.addProperty("state_bytes_min", (long) r[3] * 4);
                    o.addProperty("rss_mb_max", JsonLines.round(r[1] / 1024, 1));
                    o.addProperty("rss_mb_min", JsonLines.round(r[4] / 1024, 1));
                    o.addProperty("peak_rss_mb_max", JsonLines.round(r[2] / 1024, 1));
                    o.addProperty("peak_rss_mb_min", JsonLines.round(r[5] / 1024, 1));
                    o.addProperty("fit_seconds", JsonLines.round((System.nanoTime() - t0) / 1e9, 2));
                    out.emit(o);
                }
            }
        } finally {
            if (RayRuntime.isConnected()) {
                RayRuntime.shutdown();
            }
        }
        return 0;
    }

    private LightningDataModule data(int world) {
        int samples = world * batchSize * steps;
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[samples * 784];
        long[] y = new long[samples];
        for (int i = 0; i < samples; i++) {
            y[i] = r.nextInt(10);
            for (int f = 0; f < 784; f++) {
                x[i * 784 + f] = (float) r.nextGaussian();
            }
        }
        DataLoader train = DataLoader.builder(new TensorDataset(HostTensor.ofFloats(x, samples, 784),
                HostTensor.ofLongs(y, samples))).batchSize(batchSize).build();
        return LightningDataModule.of(train, null);
    }
}
