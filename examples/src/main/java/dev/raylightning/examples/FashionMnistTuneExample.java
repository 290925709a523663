package dev.raylightning.examples;

import dev.raylightning.core.Trainer;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.cluster.RayRuntime;
import dev.raylightning.tune.Mode;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TrialContext;
import dev.raylightning.tune.Tune;
import dev.raylightning.tune.TuneOptions;
import dev.raylightning.tune.TuneResources;
import dev.raylightning.tune.integration.TuneHook;
import dev.raylightning.tune.integration.TuneReportCheckpointCallback;
import dev.raylightning.tune.results.ExperimentAnalysis;
import dev.raylightning.tune.schedulers.AshaScheduler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static dev.raylightning.tune.search.SearchSpace.choice;
import static dev.raylightning.tune.search.SearchSpace.loguniform;

/**
 * Tunes the Fashion-MNIST MLP (hidden units, learning rate, batch size) with Tune: every trial
 * trains on its own Ray DDP workers and reports validation metrics with a checkpoint each epoch;
 * ASHA stops weak trials early. The best checkpoint is then tested on the driver.
 */
@Command(name = "fashion-mnist-tune", mixinStandardHelpOptions = true,
        description = "Hyper-parameter search for the Fashion-MNIST classifier with Tune on Ray.")
public final class FashionMnistTuneExample implements Callable<Integer> {

    @CommandLine.Mixin
    ExampleCommandLine.StackTraceOption stackTrace;

    @Option(names = "--samples", description = "trials sampled from the search space (default: ${DEFAULT-VALUE})")
    int samples = 2;

    @Option(names = "--epochs", description = "maximum epochs per trial (default: ${DEFAULT-VALUE})")
    int epochs = 3;

    @Option(names = "--workers", description = "Ray DDP workers per trial (default: ${DEFAULT-VALUE})")
    int workers = 2;

    @Option(names = "--cpus-per-worker", description = "CPUs per DDP worker; a trial also takes 1 CPU for its "
            + "driver (default: ${DEFAULT-VALUE})")
    double cpusPerWorker = 0.5;

    @Option(names = "--train-limit", description = "use at most this many training images (default: all)")
    int trainLimit = Integer.MAX_VALUE;

    @Option(names = "--data", description = "data directory (default: data/ found upwards, or $RAY_LIGHTNING_DATA)")
    Path data;

    @Option(names = "--storage", description = "experiment directories go here (default: ~/ray_results)")
    Path storage;

    @Option(names = "--name", description = "experiment name (default: ${DEFAULT-VALUE})")
    String name = "tune_fashion_mnist";

    @Option(names = "--resume", description = "continue the experiment of the same name")
    boolean resume;

    @Option(names = "--seed", description = "search-space seed (default: ${DEFAULT-VALUE})")
    long seed = 42;

    /** The training function: one trial, on the trial's DDP workers. */
    static void train(TrialConfig config, TrialContext context) {
        TuneResources r = context.resources();
        var strategy = RayDdpStrategy.builder(r.numWorkers())
                .resourcesPerWorker(Map.of("CPU", r.cpusPerWorker())).build();
        Map<String, String> metrics = new LinkedHashMap<>();
        metrics.put("loss", "ptl/val_loss");
        metrics.put("mean_accuracy", "ptl/val_accuracy");
        Trainer trainer = Trainer.builder()
                .maxEpochs(config.getInt("epochs"))
                .seed(config.getLong("seed"))
                .strategy(strategy)
                .enableProgressBar(false)
                .enableCheckpointing(false)
                .defaultRootDir(Path.of(System.getProperty("java.io.tmpdir"), "ray-lightning-tune-" + context.trialId()))
                .callbacks(new TuneReportCheckpointCallback(metrics, "checkpoint", TuneHook.VALIDATION_END))
                .build();
        int trainLimit = config.find("train_limit").map(v -> ((Number) v).intValue()).orElse(Integer.MAX_VALUE);
        var dataModule = new FashionMnistDataModule(Path.of(config.getString("data_dir")), config.getInt("batch_size"),
                5_000, config.getLong("seed"), trainLimit);
        try (var module = new FashionMnistClassifier(FashionMnistClassifier.Architecture.MLP,
                config.getInt("hidden"), config.getDouble("lr"))) {
            trainer.fit(module, dataModule, context.checkpoint().orElse(null));
        }
    }

    @Override
    public Integer call() {
        Path dataDir = data != null ? data : DataDirectory.resolve();
        // a LinkedHashMap keeps the key order, so the same seed samples the same trials in every run
        Map<String, Object> space = new LinkedHashMap<>();
        space.put("hidden", choice(64, 128, 256));
        space.put("lr", loguniform(1e-4, 1e-2));
        space.put("batch_size", choice(32, 64, 128));
        space.put("epochs", epochs);
        space.put("seed", seed);
        if (trainLimit < Integer.MAX_VALUE) {
            space.put("train_limit", trainLimit);
        }
        space.put("data_dir", dataDir.toString());
        TuneOptions.Builder options = TuneOptions.builder()
                .config(space)
                .metric("loss").mode(Mode.MIN)
                .numSamples(samples)
                .resourcesPerTrial(TuneResources.of(workers, cpusPerWorker, false))
                .scheduler(AshaScheduler.builder().maxT(epochs).gracePeriod(1).reductionFactor(2).build())
                .name(name)
                .seed(seed)
                .resume(resume)
                .metricColumns("loss", "mean_accuracy");
        if (storage != null) {
            options.storagePath(storage);
        }
        try {
            ExperimentAnalysis analysis = Tune.run(FashionMnistTuneExample::train, options.build());
            System.out.println("Best hyperparameters found were: " + analysis.bestConfig().orElse(null));
            System.out.println("Best result: " + analysis.bestResult().map(r -> r.metrics()).orElse(null));
            Path best = analysis.bestCheckpoint().orElse(null);
            System.out.println("Best checkpoint: " + best);
            if (best != null) {
                var dataModule = new FashionMnistDataModule(dataDir, 256, 5_000, seed, trainLimit);
                try (var module = FashionMnistClassifier.loadFromCheckpoint(best, FashionMnistClassifier::fromHparams)) {
                    List<Map<String, Double>> test = Trainer.builder().enableProgressBar(false).logger(false)
                            .enableCheckpointing(false).build().test(module, dataModule);
                    System.out.printf("test accuracy of the best checkpoint: %.4f%n", test.get(0).get("test_accuracy"));
                }
            }
        } finally {
            RayRuntime.shutdown();
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(ExampleCommandLine.execute(new FashionMnistTuneExample(), args));
    }
}
