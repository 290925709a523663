package dev.raylightning.tune.execution;

import dev.raylightning.core.util.FileTrees;
import dev.raylightning.core.util.JavaBytes;
import dev.raylightning.strategies.launcher.PlacementScope;
import dev.raylightning.strategies.shipping.ShippedPayload;
import dev.raylightning.tune.Trainable;
import dev.raylightning.tune.TrialConfig;
import dev.raylightning.tune.TuneResources;
import io.ray.api.PlacementGroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Ray actor that drives one trial (Ray Tune's trial actor): it runs the training function in
 * the head bundle of the trial's placement group, and a {@code RayDdpStrategy} started from there
 * puts its workers into the group's worker bundles. The controller calls {@link #run} once and
 * keeps one {@link #nextReports()} call outstanding; the actor runs two threads for that.
 * Arguments and replies are bytes and strings only.
 */
public final class TrialActor {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrialActor.class);
    /** Start of the names of the folders that hold a checkpoint a trial resumes from. */
    static final String RESTORE_PREFIX = "ray-lightning-restore-";

    /** Longest wait of one {@link #nextReports()} call. */
    static final long REPORT_WAIT_MILLIS = 2_000;

    private final Object lock = new Object();
    private TuneSession session;

    /** Ray constructs actors with a public no-argument constructor. */
    public TrialActor() {}

    /** This actor's process id (for tests and diagnostics). */
    public long pid() {
        return ProcessHandle.current().pid();
    }

    /**
     * Runs the trial's training function and returns a serialized {@link TrialOutcome}; errors
     * of the function are captured in the outcome, not thrown.
     *
     * @param shippedTrainable the {@link Trainable}, shipped with any classes workers lack
     * @param resourcesBytes the serialized {@link TuneResources}
     * @param configJson the trial's config as JSON
     * @param restore checkpoint bytes to resume from, or empty
     * @param startBytes the serialized {@link TrialStart}
     */
    public byte[] run(byte[] shippedTrainable, byte[] resourcesBytes, String configJson, byte[] restore,
            byte[] startBytes) {
        TrialStart start = (TrialStart) JavaBytes.read(startBytes);
        String trialId = start.trialId();
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        TuneSession s = null;
        Path checkpoint = null;
        try {
            TuneResources resources = (TuneResources) JavaBytes.read(resourcesBytes);
            // Ray hands an empty byte array over as null
            checkpoint = restore == null || restore.length == 0 ? null
                    : writeRestore(trialId, start.restoreFilename(), restore);
            s = new TuneSession(trialId, resources, checkpoint, start.startIteration(), start.timeOffsetSeconds());
            synchronized (lock) {
                session = s;
                lock.notifyAll();
            }
            ShippedPayload.Opened opened = ShippedPayload.fromBytes(shippedTrainable)
                    .open(TrialActor.class.getClassLoader());
            Trainable trainable = (Trainable) opened.value();
            Thread.currentThread().setContextClassLoader(opened.loader());
            TuneSession.open(s);
            try (PlacementScope scope = workerScope(start.placementGroupName(), resources)) {
                trainable.train(TrialConfig.fromJson(configJson), s);
            } finally {
                TuneSession.closeCurrent();
            }
            return JavaBytes.write(TrialOutcome.success());
        } catch (Throwable t) {
            return JavaBytes.write(TrialOutcome.failure(t));
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
            deleteRestore(checkpoint);
            if (s != null) {
                s.finish();
            } else {
                synchronized (lock) {
                    // nothing ran: let a waiting nextReports end
                    session = new TuneSession(trialId, null, null, 0, 0);
                    session.finish();
                    lock.notifyAll();
                }
            }
        }
    }

    /**
     * The reports since the last call, as a serialized {@link ReportBatch}. Waits (up to
     * {@link #REPORT_WAIT_MILLIS}) until there is one or the training function has ended.
     */
    public byte[] nextReports() {
        long deadline = System.currentTimeMillis() + REPORT_WAIT_MILLIS;
        try {
            TuneSession s;
            synchronized (lock) {
                while (session == null && System.currentTimeMillis() < deadline) {
                    lock.wait(Math.max(1, deadline - System.currentTimeMillis()));
                }
                s = session;
            }
            if (s != null) {
                return JavaBytes.write(s.take(Math.max(1, deadline - System.currentTimeMillis())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return JavaBytes.write(new ReportBatch(java.util.List.of(), false));
    }

    private static PlacementScope workerScope(String groupName, TuneResources resources) {
        if (resources.numWorkers() == 0) {
            return null;
        }
        if (PlacementGroups.getPlacementGroup(groupName) == null) {
            throw new IllegalStateException("the trial's placement group " + groupName + " is gone");
        }
        return PlacementScope.open(new PlacementScope.Reservation(groupName, 1, resources.numWorkers(),
                resources.workerBundle()));
    }

    /**
     * The checkpoint to resume from, in a folder of its own under the temp dir, named after this
     * process so that a later trial actor can tell it abandoned ({@link #removeAbandonedRestores}).
     */
    private static Path writeRestore(String trialId, String filename, byte[] bytes) throws IOException {
        Path name = filename.isBlank() ? null : Path.of(filename).getFileName(); // a name, never a path
        boolean plain = name != null && !name.toString().equals("..") && !name.toString().equals(".");
        removeAbandonedRestores(Path.of(System.getProperty("java.io.tmpdir")));
        Path dir = Files.createTempDirectory(RESTORE_PREFIX + ProcessHandle.current().pid() + "-" + trialId + "-");
        Path file = dir.resolve(plain ? name.toString() : "checkpoint");
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            deleteRestore(file);
            throw e;
        }
        return file;
    }

    /**
     * Removes the restore folders of trial actors that are gone: an actor stopped while its trial
     * ran (a scheduler's pause, the end of an experiment) is killed before it can remove its own.
     * Folders of live processes, of other users, and anything that is not a plain folder stay.
     */
    static void removeAbandonedRestores(Path tmp) {
        try (java.nio.file.DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, RESTORE_PREFIX + "*")) {
            for (Path dir : dirs) {
                String rest = dir.getFileName().toString().substring(RESTORE_PREFIX.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    continue; // an older name without a process id
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                        || !Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try {
                    FileTrees.delete(dir);
                } catch (IOException e) {
                    LOG.debug("Could not remove the abandoned restore folder {}", dir, e);
                }
            }
        } catch (IOException e) {
            LOG.debug("Could not look for abandoned restore folders in {}", tmp, e);
        }
    }

    /**
     * Removes the restored checkpoint and its folder once the training function is done with them:
     * Ray ends actor processes without running exit hooks, so nothing else would, and every
     * restart of a trial would leave a copy of its checkpoint behind.
     */
    private static void deleteRestore(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        } catch (IOException e) {
            // a training function that wrote more files beside the checkpoint keeps the folder
            LOG.warn("Could not remove the restored checkpoint {}", file, e);
        }
    }
}
