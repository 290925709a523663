package dev.raylightning.strategies.horovod;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.strategy.OptimizerStep;
import dev.raylightning.core.strategy.ProcessGroupStrategy;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.strategies.fusion.GradientFusion;
import dev.raylightning.strategies.timeline.TimelinePhase;
import dev.raylightning.strategies.timeline.TimelineRecorder;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * The worker side of {@code HorovodRayStrategy}: before every optimizer step, gradients are
 * packed into fusion buffers of at most the fusion threshold ({@link GradientFusion}) and reduced
 * with the strategy's {@link Reduction}: average or sum by the ring all-reduce, in the
 * {@link Compression}'s wire format, Adasum by gathering every rank's buffer and combining them
 * in the same order on every rank. With uneven inputs on, ranks that ran out of batches join the
 * others' steps with zero gradients ({@link #joinsUnevenInputs()}).
 *
 * <p>With a timeline, every optimizer step and its phases (a wait for every rank, then per fusion
 * buffer the copy in, the collective and the copy out) are recorded ({@link TimelineRecorder})
 * and handed to the driver as this rank's {@link #workerReport()}; without one, nothing is timed.
 */
public final class HorovodWorkerStrategy extends ProcessGroupStrategy {

    private static final long serialVersionUID = 1L;

    private final long fusionThresholdBytes;
    private final Reduction reduction;
    private final int backwardPassesPerStep;
    private final Compression compression;
    private final boolean unevenInputs;
    /** Null without a timeline: every timing below is skipped then. */
    private final transient TimelineRecorder timeline;
    private transient GradientFusion fusion;
    private transient ByteBuffer gathered;

    public HorovodWorkerStrategy(RankInfo rank, ProcessGroup group, HorovodOptions options) {
        super(rank, group);
        this.unevenInputs = options.unevenInputs();
        this.compression = options.compression();
        this.fusionThresholdBytes = options.fusionThresholdBytes();
        this.reduction = options.reduction();
        this.backwardPassesPerStep = options.backwardPassesPerStep();
        int timelineCapacity = options.timelineCapacity();
        if (reduction == Reduction.ADASUM && Integer.bitCount(group.size()) != 1) {
            throw new IllegalArgumentException("Adasum needs a power-of-two number of workers, got " + group.size());
        }
        String op = switch (reduction) {
            case AVERAGE -> ReduceOp.AVG.name();
            case SUM -> ReduceOp.SUM.name();
            case ADASUM -> "ADASUM";
        };
        this.timeline = timelineCapacity > 0
                ? new TimelineRecorder(rank.globalRank(), op, compression.wire(), timelineCapacity) : null;
    }

    @Override
    public void optimizerStep(OptimizerStep step) {
        if (timeline == null) {
            super.optimizerStep(step);
        } else {
            timeline.step(() -> super.optimizerStep(step));
        }
    }

    /** This rank's timeline, or null without one. */
    @Override
    public Serializable workerReport() {
        return timeline == null ? null : timeline.events();
    }

    @Override
    public int backwardPassesPerStep() {
        return backwardPassesPerStep;
    }

    /** Horovod's join: the trainer splits training data without padding and runs out-of-data ranks as joined. */
    @Override
    public boolean joinsUnevenInputs() {
        return unevenInputs;
    }

    @Override
    public void reduceGradients(List<NDArray> gradients) {
        if (fusion == null) {
            fusion = new GradientFusion(fusionThresholdBytes, timeline);
        }
        if (timeline != null) {
            // Horovod's negotiation: waiting for the slowest rank shows here, not in the first transfer
            long start = System.nanoTime();
            group().barrier();
            timeline.record(TimelinePhase.WAIT, start, System.nanoTime(), 0, 0);
        }
        fusion.reduce(gradients, this::reduceFused);
    }

    private void reduceFused(ByteBuffer data, int[] segments) {
        long start = timeline == null ? 0 : System.nanoTime();
        int bytes = data.remaining();
        switch (reduction) {
            case AVERAGE -> group().allReduce(data, ReduceOp.AVG, compression.wire());
            case SUM -> group().allReduce(data, ReduceOp.SUM, compression.wire());
            case ADASUM -> {
                adasum(data, segments);
                return;
            }
        }
        if (timeline != null) {
            timeline.record(TimelinePhase.ALLREDUCE, start, System.nanoTime(), segments.length, bytes);
        }
    }

    private void adasum(ByteBuffer data, int[] segments) {
        int ranks = worldSize();
        if (ranks == 1) {
            return;
        }
        long bytes = (long) data.remaining() * ranks;
        if (gathered == null || gathered.capacity() < bytes) {
            gathered = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        }
        gathered.clear().limit((int) bytes);
        long start = timeline == null ? 0 : System.nanoTime();
        group().allGather(data.duplicate(), gathered);
        long gatheredAt = timeline == null ? 0 : System.nanoTime();
        FloatBuffer all = gathered.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer out = data.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        Adasum.combine(all, ranks, data.remaining() / 4, segments, out);
        if (timeline != null) {
            timeline.record(TimelinePhase.ALLGATHER, start, gatheredAt, segments.length, data.remaining());
            timeline.record(TimelinePhase.ADASUM, gatheredAt, System.nanoTime(), segments.length, data.remaining());
        }
    }
}
