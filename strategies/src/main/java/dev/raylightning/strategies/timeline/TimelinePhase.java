package dev.raylightning.strategies.timeline;

/**
 * What a timeline event measured: its name and category in the trace. Names follow Horovod's
 * timeline, so that its readers find their way; everything but {@link #STEP} nests inside a step.
 */
public enum TimelinePhase {
    /** One optimizer step: the gradients' reduction, then the update. */
    STEP("OPTIMIZER_STEP", "step"),
    /** Waiting until every rank reached the step's reduction (a barrier): the slowest rank shows here. */
    WAIT("WAIT_FOR_RANKS", "wait"),
    /** Copying a fused group of gradients into the fusion buffer. */
    COPY_IN("MEMCPY_IN_FUSION_BUFFER", "memcpy"),
    /** All-reducing one buffer, in the compression's wire format. */
    ALLREDUCE("ALLREDUCE", "collective"),
    /** Gathering every rank's buffer for Adasum. */
    ALLGATHER("ALLGATHER", "collective"),
    /** Combining the gathered buffers by Adasum, on this rank's CPU. */
    ADASUM("ADASUM_COMBINE", "compute"),
    /** Copying the reduced buffer back into the gradients. */
    COPY_OUT("MEMCPY_OUT_FUSION_BUFFER", "memcpy");

    private final String traceName;
    private final String category;

    TimelinePhase(String traceName, String category) {
        this.traceName = traceName;
        this.category = category;
    }

    /** The event's name in the trace. */
    public String traceName() {
        return traceName;
    }

    /** The event's category ({@code cat}) in the trace. */
    public String category() {
        return category;
    }
}
