package dev.raylightning.tune;

import dev.raylightning.tune.execution.ExperimentController;
import dev.raylightning.tune.results.ExperimentAnalysis;

/**
 * Ray Tune's {@code tune.run} for the JVM: samples trials from a search space and runs each in
 * its own Ray actor and placement group, as many at once as the cluster holds.
 *
 * <pre>{@code
 * ExperimentAnalysis analysis = Tune.run((config, ctx) -> {
 *         var trainer = Trainer.builder().maxEpochs(4)
 *                 .strategy(new RayDdpStrategy(2, 1, false))
 *                 .callbacks(new TuneReportCallback(List.of("val_loss")))
 *                 .build();
 *         trainer.fit(new MyModule(config.getDouble("lr")), data);
 *     }, TuneOptions.builder()
 *         .config(Map.of("lr", SearchSpace.loguniform(1e-4, 1e-1)))
 *         .metric("val_loss").mode(Mode.MIN).numSamples(4)
 *         .resourcesPerTrial(TuneResources.of(2, 1, false))
 *         .build());
 * analysis.bestConfig();
 * }</pre>
 */
public final class Tune {

    private Tune() {}

    /**
     * Runs the experiment and returns its analysis. Invalid search spaces, schedulers or
     * resources fail before any trial starts. When the calling thread is interrupted, running
     * trials are stopped and released, the analysis covers what finished, the experiment state is
     * saved for {@link TuneOptions.Builder#resume}, and the thread's interrupt flag stays set.
     */
    public static ExperimentAnalysis run(Trainable trainable, TuneOptions options) {
        return new ExperimentController(trainable, options).run();
    }
}
