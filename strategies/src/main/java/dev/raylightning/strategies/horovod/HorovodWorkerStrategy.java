package dev.raylightning.strategies.horovod;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.strategy.ProcessGroupStrategy;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.strategies.fusion.GradientFusion;

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
 */
public final class HorovodWorkerStrategy extends ProcessGroupStrategy {

    private static final long serialVersionUID = 1L;

    private final long fusionThresholdBytes;
    private final Reduction reduction;
    private final int backwardPassesPerStep;
    private final Compression compression;
    private final boolean unevenInputs;
    private transient GradientFusion fusion;
    private transient ByteBuffer gathered;

    public HorovodWorkerStrategy(RankInfo rank, ProcessGroup group, long fusionThresholdBytes, Reduction reduction,
            int backwardPassesPerStep, Compression compression, boolean unevenInputs) {
        super(rank, group);
        this.unevenInputs = unevenInputs;
        this.compression = compression;
        this.fusionThresholdBytes = fusionThresholdBytes;
        this.reduction = reduction;
        this.backwardPassesPerStep = backwardPassesPerStep;
        if (reduction == Reduction.ADASUM && compression != Compression.NONE) {
            throw new IllegalArgumentException("Adasum runs on float32 gradients; use Compression.NONE with it");
        }
        if (reduction == Reduction.ADASUM && Integer.bitCount(group.size()) != 1) {
            throw new IllegalArgumentException("Adasum needs a power-of-two number of workers, got " + group.size());
        }
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
            fusion = new GradientFusion(fusionThresholdBytes);
        }
        fusion.reduce(gradients, this::reduceFused);
    }

    private void reduceFused(ByteBuffer data, int[] segments) {
        switch (reduction) {
            case AVERAGE -> group().allReduce(data, ReduceOp.AVG, compression.wire());
            case SUM -> group().allReduce(data, ReduceOp.SUM, compression.wire());
            case ADASUM -> adasum(data, segments);
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
        group().allGather(data.duplicate(), gathered);
        FloatBuffer all = gathered.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer out = data.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        Adasum.combine(all, ranks, data.remaining() / 4, segments, out);
    }
}
