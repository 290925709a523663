package dev.raylightning.bench.ddp;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.examples.FashionMnistClassifier;
import dev.raylightning.examples.FashionMnistClassifier.Architecture;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** What every benchmark fit shares: data, batch size, and a trainer with everything but training off. */
record RunSettings(Path dataDir, int batchSize, long seed) {

    /**
     * The example's classifier (MLP 784-128-10 or the small CNN) or a member of the {@link CnnFamily},
     * Adam 1e-3, as in the Python peer.
     */
    static LightningModule model(String name) {
        Optional<CnnFamily> member = CnnFamily.of(name);
        if (member.isPresent()) {
            return new CnnFamily.Module(member.get());
        }
        Architecture a = Architecture.valueOf(name.toUpperCase(Locale.ROOT));
        return new FashionMnistClassifier(a, 128, 1e-3);
    }

    BenchData data(int prefetch) {
        return new BenchData(dataDir, batchSize, prefetch);
    }

    /** A trainer for {@code maxSteps} steps: no logger, checkpoints, progress bar or sanity check. */
    Trainer trainer(long maxSteps, Optional<Strategy> strategy, Callback... callbacks) {
        Trainer.Builder b = Trainer.builder()
                .maxSteps(maxSteps)
                .logger(false)
                .enableCheckpointing(false)
                .enableProgressBar(false)
                .numSanityValSteps(0)
                .seed(seed)
                .callbacks(callbacks);
        strategy.ifPresent(b::strategy);
        return b.build();
    }
}
