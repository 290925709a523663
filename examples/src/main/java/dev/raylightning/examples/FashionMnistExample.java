package dev.raylightning.examples;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.EarlyStopping;
import dev.raylightning.core.callbacks.ModelCheckpoint;
import dev.raylightning.core.callbacks.MonitorMode;
import dev.raylightning.core.callbacks.ProgressBar;
import dev.raylightning.core.strategy.SingleDeviceStrategy;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.strategies.HorovodRayStrategy;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.RayShardedStrategy;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.strategies.horovod.Compression;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Trains, tests and checkpoints the Fashion-MNIST classifier from the command line. */
@Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
        description = "Train a Fashion-MNIST classifier with the Lightning API on DJL.")
public final class FashionMnistExample implements Callable<Integer> {

    @CommandLine.Mixin
    ExampleCommandLine.StackTraceOption stackTrace;

    @Option(names = "--model", description = "MLP or CNN (default: ${DEFAULT-VALUE})")
    FashionMnistClassifier.Architecture model = FashionMnistClassifier.Architecture.MLP;

    @Option(names = "--epochs", description = "maximum epochs (default: ${DEFAULT-VALUE})")
    int epochs = 5;

    @Option(names = "--batch-size", description = "batch size (default: ${DEFAULT-VALUE})")
    int batchSize = 64;

    @Option(names = "--hidden", description = "MLP hidden units (default: ${DEFAULT-VALUE})")
    int hidden = 128;

    @Option(names = "--lr", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
    double lr = 1e-3;

    @Option(names = "--data", description = "data directory (default: data/ found upwards, or $RAY_LIGHTNING_DATA)")
    Path data;

    @Option(names = "--root-dir", description = "logs and checkpoints go here (default: ${DEFAULT-VALUE})")
    Path rootDir = Path.of("target", "fashion-mnist-run");

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--progress", description = "show the progress bar even without a terminal")
    boolean forceProgress;

    @Option(names = "--strategy", description = "ray-ddp (Ray workers on a local or given cluster), sharded "
            + "(Ray workers, optimizer state and gradients sharded), horovod (Ray workers, Horovod's tensor fusion"
            + " and reductions) or single (this process) (default: ${DEFAULT-VALUE})")
    String strategy = "ray-ddp";

    @Option(names = "--compression", description = "horovod only: NONE, FP16 or BF16 gradients on the wire"
            + " (default: ${DEFAULT-VALUE})")
    Compression compression = Compression.NONE;

    @Option(names = "--timeline", paramLabel = "FILE", description = "horovod only: write Horovod's timeline of"
            + " every worker's steps and collectives to FILE, a Chrome trace for Perfetto or chrome://tracing")
    Path timeline;

    @Option(names = "--workers", description = "Ray workers for ray-ddp, sharded and horovod (default: ${DEFAULT-VALUE})")
    int workers = 2;

    @Option(names = "--cpus-per-worker", description = "CPUs per Ray worker (default: ${DEFAULT-VALUE})")
    int cpusPerWorker = 1;

    private Strategy strategy() {
        if (timeline != null && !strategy.equals("horovod")) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--timeline goes with --strategy horovod, got --strategy " + strategy);
        }
        return switch (strategy) {
            case "ray-ddp" -> new RayDdpStrategy(workers, cpusPerWorker, false);
            case "sharded" -> new RayShardedStrategy(workers, cpusPerWorker, false);
            case "horovod" -> horovod();
            case "single" -> new SingleDeviceStrategy();
            default -> throw new CommandLine.ParameterException(new CommandLine(this),
                    "--strategy must be ray-ddp, sharded, horovod or single, got " + strategy);
        };
    }

    private HorovodRayStrategy horovod() {
        HorovodRayStrategy.Builder b = HorovodRayStrategy.builder(workers).cpusPerWorker(cpusPerWorker)
                .compression(compression);
        return (timeline == null ? b : b.timeline(timeline)).build();
    }

    @Override
    public Integer call() {
        Path dataDir = data != null ? data : DataDirectory.resolve();
        var dataModule = new FashionMnistDataModule(dataDir, batchSize);
        var checkpoint = ModelCheckpoint.builder().monitor("ptl/val_accuracy").mode(MonitorMode.MAX)
                .filename("{epoch}-{ptl/val_accuracy:.4f}").saveLast(true).build();
        Trainer trainer = Trainer.builder()
                .strategy(strategy())
                .maxEpochs(epochs)
                .seed(seed)
                .defaultRootDir(rootDir)
                .callbacks(checkpoint, new ProgressBar(forceProgress),
                        EarlyStopping.builder("ptl/val_loss").patience(3).build())
                .build();
        try (var module = new FashionMnistClassifier(model, hidden, lr)) {
            long start = System.nanoTime();
            trainer.fit(module, dataModule);
            double fitSeconds = (System.nanoTime() - start) / 1e9;
            double valAccuracy = trainer.callbackMetrics().getOrDefault("ptl/val_accuracy", Double.NaN);
            List<Map<String, Double>> results = trainer.test(module, dataModule);
            System.out.printf("fit with %s: %d epochs, %d steps in %.1f s (%.0f steps/s)%n", trainer.strategy(),
                    trainer.currentEpoch(), trainer.globalStep(), fitSeconds, trainer.globalStep() / fitSeconds);
            System.out.printf("validation accuracy %.4f, test accuracy %.4f%n", valAccuracy,
                    results.get(0).get("test_accuracy"));
            System.out.println("best checkpoint: " + checkpoint.bestModelPath());
            if (timeline != null) {
                System.out.println("timeline: " + timeline.toAbsolutePath()
                        + " (open it in https://ui.perfetto.dev or chrome://tracing)");
            }
            System.out.println("logs: " + trainer.logDir());
        } finally {
            RayRuntime.shutdown();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(ExampleCommandLine.execute(new FashionMnistExample(), args));
    }
}
