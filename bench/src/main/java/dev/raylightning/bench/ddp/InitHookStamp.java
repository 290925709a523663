package dev.raylightning.bench.ddp;

import dev.raylightning.strategies.launcher.WorkerInitHook;
import dev.raylightning.core.strategy.RankInfo;

/**
 * A worker init hook that only notes when it ran (wall clock, in a system property of the
 * worker JVM): the launcher calls it once the ring is connected and the request deserialized,
 * just before the trainer starts, which splits the start-up timeline there.
 */
public final class InitHookStamp implements WorkerInitHook {

    private static final long serialVersionUID = 1L;

    /** The system property holding the hook's wall-clock time in milliseconds. */
    static final String PROPERTY = "bench.ddp.init-hook-millis";

    @Override
    public void run(RankInfo rank) {
        System.setProperty(PROPERTY, Long.toString(System.currentTimeMillis()));
    }
}
