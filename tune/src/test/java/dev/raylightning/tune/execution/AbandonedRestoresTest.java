package dev.raylightning.tune.execution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class AbandonedRestoresTest {

    @TempDir
    Path tmp;

    private Path restoreFolder(String name) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(TrialActor.RESTORE_PREFIX + name));
        Files.writeString(dir.resolve("state"), "1");
        return dir;
    }

    @Test
    void onlyTheFoldersOfEndedProcessesGo() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        long dead = ended.pid();
        Path abandoned = restoreFolder(dead + "-abc12_00000-42");
        Path live = restoreFolder(ProcessHandle.current().pid() + "-abc12_00001-43");
        Path older = restoreFolder("abc12_00002-44"); // a name from before process ids
        Path target = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.writeString(target.resolve("keep"), "1");
        Path link = Files.createSymbolicLink(tmp.resolve(TrialActor.RESTORE_PREFIX + dead + "-link-45"), target);

        TrialActor.removeAbandonedRestores(tmp);

        assertFalse(Files.exists(abandoned), "the folder of an ended process is removed");
        assertTrue(Files.exists(live.resolve("state")), "a live process's folder stays");
        assertTrue(Files.exists(older.resolve("state")));
        assertTrue(Files.isSymbolicLink(link), "a link is not a folder of ours");
        assertTrue(Files.exists(target.resolve("keep")), "nothing behind a link is touched");
    }
}
