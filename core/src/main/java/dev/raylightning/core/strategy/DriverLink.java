package dev.raylightning.core.strategy;

import dev.raylightning.core.progress.ProgressListener;

/**
 * Global rank zero's line to the driver while a launch runs: its progress events go out, and one
 * request comes in. An elastic launcher whose group had shrunk asks the run to end at its next
 * epoch boundary once the cluster has room for more workers again (Horovod Elastic's "hosts
 * updated" notice); the trainer then continues the fit on a larger group from that point.
 */
public interface DriverLink extends ProgressListener {

    /** Whether the launcher asks this run to end at its next epoch boundary, to continue on more workers. */
    default boolean growRequested() {
        return false;
    }
}
