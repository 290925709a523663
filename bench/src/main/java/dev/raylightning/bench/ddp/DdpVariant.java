package dev.raylightning.bench.ddp;

import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.strategies.HorovodRayStrategy;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.RayShardedStrategy;
import dev.raylightning.strategies.horovod.Compression;

import java.util.Optional;

/**
 * What trains in a throughput run: the driver JVM alone, RayDdpStrategy with one or two workers,
 * RayShardedStrategy with two, or HorovodRayStrategy with two (float32, FP16 or BF16 on the wire).
 */
enum DdpVariant {
    /** The trainer's default SingleDeviceStrategy, in the benchmark's own JVM. */
    SINGLE("java-single", 0),
    /** RayDdpStrategy(1, 1, false): one worker JVM, the ring of one does nothing. */
    RAY1("java-ray1", 1),
    /** RayDdpStrategy(2, 1, false): two worker JVMs, gradients averaged over the TCP ring. */
    RAY2("java-ray2", 2),
    /** RayShardedStrategy(2, 1, false): two worker JVMs, gradients reduce-scattered to owners, stage 2. */
    SHARDED2("java-sharded2", 2),
    /** HorovodRayStrategy(2, 1, false): two worker JVMs, fused gradients averaged as float32. */
    HOROVOD2("java-horovod2", 2),
    /** The same with FP16 gradients on the wire. */
    HOROVOD2_FP16("java-horovod2-fp16", 2),
    /** The same with BF16 gradients on the wire. */
    HOROVOD2_BF16("java-horovod2-bf16", 2);

    private final String mode;
    private final int workers;

    DdpVariant(String mode, int workers) {
        this.mode = mode;
        this.workers = workers;
    }

    String mode() {
        return mode;
    }

    int worldSize() {
        return Math.max(1, workers);
    }

    /** The strategy to set on the trainer; empty for the default single device. */
    Optional<Strategy> strategy() {
        if (workers == 0) {
            return Optional.empty();
        }
        if (this == SHARDED2) {
            return Optional.of(RayShardedStrategy.builder(workers).cpusPerWorker(1).initHook(new InitHookStamp()).build());
        }
        if (this == HOROVOD2 || this == HOROVOD2_FP16 || this == HOROVOD2_BF16) {
            Compression c = this == HOROVOD2 ? Compression.NONE : this == HOROVOD2_FP16 ? Compression.FP16 : Compression.BF16;
            return Optional.of(HorovodRayStrategy.builder(workers).cpusPerWorker(1).compression(c)
                    .initHook(new InitHookStamp()).build());
        }
        return Optional.of(RayDdpStrategy.builder(workers).cpusPerWorker(1).initHook(new InitHookStamp()).build());
    }

    static DdpVariant parse(String s) {
        for (DdpVariant v : values()) {
            if (v.name().equalsIgnoreCase(s.replace('-', '_')) || v.mode.equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown variant " + s + " " + java.util.Arrays.stream(values())
                .map(v -> v.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).toList());
    }
}
