package dev.raylightning.strategies.testing;

import dev.raylightning.core.callbacks.Callback;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.progress.ProgressListener;

/**
 * A callback that acts once, on the driver, when the driver hears of the first finished batch
 * of a Ray run; its copies on the workers (another process) do nothing.
 */
public abstract class OnFirstDriverBatch implements Callback, ProgressListener {

    private static final long serialVersionUID = 1L;
    private final long driverPid = ProcessHandle.current().pid();
    private boolean fired;

    /** What to do; runs on the driver's thread that delivers progress. */
    protected abstract void onFirstDriverBatch();

    @Override
    public final void onProgress(ProgressEvent e) {
        if (fired || ProcessHandle.current().pid() != driverPid || e.kind() != ProgressEvent.Kind.BATCH_END) {
            return;
        }
        fired = true;
        onFirstDriverBatch();
    }
}
