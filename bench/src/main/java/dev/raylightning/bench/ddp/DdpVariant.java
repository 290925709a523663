package dev.raylightning.bench.ddp;

import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.RayShardedStrategy;

import java.util.Optional;

/** What trains in a throughput run: the driver JVM alone, RayDdpStrategy with one or two workers, or RayShardedStrategy with two. */
enum DdpVariant {
    /** The trainer's default SingleDeviceStrategy, in the benchmark's own JVM. */
    SINGLE("java-single", 0),
    /** RayDdpStrategy(1, 1, false): one worker JVM, the ring of one does nothing. */
    RAY1("java-ray1", 1),
    /** RayDdpStrategy(2, 1, false): two worker JVMs, gradients averaged over the TCP ring. */
    RAY2("java-ray2", 2),
    /** RayShardedStrategy(2, 1, false): two worker JVMs, gradients reduce-scattered to owners, stage 2. */
    SHARDED2("java-sharded2", 2);

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
        return Optional.of(RayDdpStrategy.builder(workers).cpusPerWorker(1).initHook(new InitHookStamp()).build());
    }

    static DdpVariant parse(String s) {
        for (DdpVariant v : values()) {
            if (v.name().equalsIgnoreCase(s) || v.mode.equals(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown variant " + s + " (single, ray1, ray2, sharded2)");
    }
}
