package dev.raylightning.bench.recovery;

import dev.raylightning.core.LightningModule;
import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.callbacks.TrainerView;
import dev.raylightning.core.data.Batch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kills rank 1's process with SIGKILL at global step {@code atStep}, once across every fit that
 * shares {@code dir} (a marker file holds the time); rank 0 of a fit started after the kill
 * writes the time its first step ended and that step's number.
 */
final class KillRankOne implements Callback {

    private static final long serialVersionUID = 1L;
    private static final String KILLED = "killed";
    private static final String NEXT_STEP = "next-step";
    private final String dir;
    private final long atStep;
    private transient boolean afterKill;

    KillRankOne(Path dir, long atStep) {
        this.dir = dir.toString();
        this.atStep = atStep;
    }

    @Override
    public void onFitStart(TrainerView trainer, LightningModule module) {
        afterKill = Files.exists(Path.of(dir, KILLED));
    }

    @Override
    public void onTrainBatchEnd(TrainerView trainer, LightningModule module, double loss, Batch batch, int idx) {
        int rank = trainer.strategy().globalRank();
        if (rank == 0 && afterKill) {
            afterKill = false;
            create(NEXT_STEP, System.currentTimeMillis() + " " + trainer.globalStep());
        }
        if (rank == 1 && trainer.globalStep() == atStep
                && create(KILLED, Long.toString(System.currentTimeMillis()))) {
            try {
                new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid())).start().waitFor();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private boolean create(String name, String text) {
        try {
            Files.writeString(Files.createFile(Path.of(dir, name)), text);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String[] read(Path dir, String name) throws IOException {
        return Files.readString(dir.resolve(name)).trim().split(" ");
    }

    /** Seconds from the kill to the end of the first step after it. */
    static double secondsToNextStep(Path dir) throws IOException {
        return (Long.parseLong(read(dir, NEXT_STEP)[0]) - Long.parseLong(read(dir, KILLED)[0])) / 1000.0;
    }

    /** Steps trained again: from the restart point up to the step of the kill. */
    static long stepsRepeated(Path dir, long atStep) throws IOException {
        return atStep - (Long.parseLong(read(dir, NEXT_STEP)[1]) - 1);
    }
}
