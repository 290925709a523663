package dev.raylightning.strategies.testing;

import dev.raylightning.core.Trainer;
import dev.raylightning.core.testing.Fixtures;
import dev.raylightning.core.testing.TinyClassifier;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.cluster.RayRuntime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Collectors;

/**
 * A driver for a test to kill: starts its private Ray cluster (or joins {@code ray.address}),
 * trains on 2 workers for a long time, and once training runs writes what it started (a private
 * cluster's temp dir and processes, worker JVMs included) to the file named by its first argument.
 */
public final class DriverToKill {

    private DriverToKill() {}

    /** Writes the report at the first batch the driver hears of; inert on the workers. */
    static final class Report extends OnFirstDriverBatch {
        private static final long serialVersionUID = 1L;
        private final String file;

        Report(String file) {
            this.file = file;
        }

        @Override
        protected void onFirstDriverBatch() {
            RayRuntime r = RayRuntime.get();
            String text = "tempDir=" + r.localClusterTempDir().map(Path::toString).orElse("") + "\npids="
                    + r.localClusterProcesses().stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining(","))
                    + "\n";
            try {
                Path tmp = Path.of(file + ".tmp");
                Files.writeString(tmp, text);
                Files.move(tmp, Path.of(file), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }

    public static void main(String[] args) {
        Trainer t = Trainer.builder().defaultRootDir(Path.of(args[0]).getParent()).enableProgressBar(false).logger(false)
                .enableCheckpointing(false).maxEpochs(100_000).callbacks(new Report(args[0]))
                .strategy(new RayDdpStrategy(2, 1, false)).build();
        try (TinyClassifier m = new TinyClassifier()) {
            t.fit(m, Fixtures.blobs(4096, 64, 16));
        }
    }
}
