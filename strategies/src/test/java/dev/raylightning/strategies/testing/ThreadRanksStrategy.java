package dev.raylightning.strategies.testing;

import dev.raylightning.core.collective.ForwardingProcessGroup;
import dev.raylightning.core.collective.GroupSecret;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.shm.SharedMemoryGroup;
import dev.raylightning.core.collective.tcp.RingOptions;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.strategy.IdentityCollectivesStrategy;
import dev.raylightning.core.strategy.Launcher;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.core.strategy.RankTask;
import dev.raylightning.core.util.JavaBytes;
import dev.raylightning.strategies.launcher.WorkerStrategyFactory;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A strategy whose ranks are threads of this JVM connected by a real TCP ring on loopback, each
 * with the worker-side strategy a {@link WorkerStrategyFactory} makes: the gradient policies of
 * the Ray strategies, tested fast and without Ray. The task crosses a serialization round trip.
 * The ranks' {@link #workerReport() reports} go to a driver-side handler, e.g. a Ray strategy's
 * {@link #onWorkerReports}.
 */
public final class ThreadRanksStrategy extends IdentityCollectivesStrategy {

    private static final long serialVersionUID = 1L;

    /** Reduce-scatters and all-gathers of parts that a shared-memory group took, over every launch of this JVM. */
    public static final AtomicLong PARTS_TAKEN = new AtomicLong();

    private final int worldSize;
    private final WorkerStrategyFactory factory;
    private boolean sharedMemory;
    /** The driver's side of worker reports; not shipped, the ranks never call it. */
    private final transient Consumer<List<Serializable>> reports;

    public ThreadRanksStrategy(int worldSize, WorkerStrategyFactory factory) {
        this(worldSize, factory, reports -> { });
    }

    public ThreadRanksStrategy(int worldSize, WorkerStrategyFactory factory, Consumer<List<Serializable>> reports) {
        this.worldSize = worldSize;
        this.factory = factory;
        this.reports = reports;
    }

    /** The same with every ring wrapped in a {@link SharedMemoryGroup} that takes calls of any size. */
    public ThreadRanksStrategy withSharedMemory() {
        sharedMemory = true;
        return this;
    }

    @Override
    public void onWorkerReports(List<Serializable> reportsByRank) {
        reports.accept(reportsByRank);
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public Optional<Launcher> launcher() {
        return Optional.of(this::launch);
    }

    @SuppressWarnings("unchecked")
    private <R extends Serializable> List<R> launch(RankTask<R> task, Consumer<ProgressEvent> progress) {
        byte[] wire = JavaBytes.write(task);
        List<TcpRingProcessGroup> rings = TcpRingProcessGroup.local(worldSize, RingOptions.defaults());
        GroupSecret secret = GroupSecret.random();
        ExecutorService pool = Executors.newFixedThreadPool(worldSize);
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    RankInfo info = new RankInfo(rank, rank, 0, worldSize, worldSize, 1);
                    ProcessGroup group = rings.get(rank);
                    try {
                        if (sharedMemory) {
                            group = countingParts(SharedMemoryGroup.wrap(group, secret, 0));
                        }
                        return ((RankTask<R>) JavaBytes.read(wire)).run(factory.create(info, group),
                                rank == 0 ? progress::accept : null);
                    } finally {
                        group.close();
                    }
                }));
            }
            List<R> out = new ArrayList<>();
            for (Future<R> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static ProcessGroup countingParts(ProcessGroup group) {
        return new ForwardingProcessGroup(group) {
            @Override
            public boolean reduceScatterParts(ByteBuffer[] inputs, ByteBuffer output, ReduceOp op) {
                return counted(super.reduceScatterParts(inputs, output, op));
            }

            @Override
            public boolean allGatherParts(ByteBuffer input, ByteBuffer[] outputs) {
                return counted(super.allGatherParts(input, outputs));
            }

            private boolean counted(boolean taken) {
                if (taken) {
                    PARTS_TAKEN.incrementAndGet();
                }
                return taken;
            }
        };
    }
}
