package dev.raylightning.core.strategy;

import ai.djl.ndarray.NDArray;
import dev.raylightning.core.progress.ProgressEvent;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.util.JavaBytes;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * A data-parallel strategy whose ranks are threads of this JVM: a test double for the launcher
 * and strategy seams. The request crosses a real Java serialization round trip per rank, as it
 * would to another process.
 */
final class ThreadDdpStrategy implements Strategy {

    private static final long serialVersionUID = 1L;
    private static final Map<String, ThreadGroup> GROUPS = new ConcurrentHashMap<>();
    /** The ranks that saved a checkpoint, one entry per save, in the order they did. */
    static final java.util.Queue<Integer> SAVES = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** What the driver's copy received through {@link #onWorkerReports}, one list per launch. */
    static final java.util.Queue<List<Serializable>> REPORTS = new java.util.concurrent.ConcurrentLinkedQueue<>();

    private final int worldSize;
    private final int rank;
    /** Gradient reductions this rank ran in its launch: what its report says. */
    private transient int reductions;
    private final String groupId;
    private final boolean driver;
    private final RecoveryPolicy recovery;
    /** World size of the launches after a failed one (an elastic strategy that shrank), or 0 to keep it. */
    private final int shrinkTo;
    /** Whether a shrunk launch is asked to end for a larger group (the cluster has room again). */
    private final boolean growBack;

    /** What a rank throws to stand for a lost worker process: the launcher calls it recoverable. */
    static final class WorkerLost extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WorkerLost(String message) {
            super(message);
        }
    }

    ThreadDdpStrategy(int worldSize) {
        this(worldSize, RecoveryPolicy.NONE);
    }

    ThreadDdpStrategy(int worldSize, RecoveryPolicy recovery) {
        this(worldSize, recovery, 0);
    }

    /** Ranks as threads whose launches after a failure run {@code shrinkTo} ranks (an elastic shrink). */
    ThreadDdpStrategy(int worldSize, RecoveryPolicy recovery, int shrinkTo) {
        this(worldSize, recovery, shrinkTo, false);
    }

    /**
     * Ranks as threads whose launches after a failure run {@code shrinkTo} ranks; with {@code
     * growBack}, such a launch is asked at once to end for a larger group, and the launch after it
     * runs every rank again.
     */
    ThreadDdpStrategy(int worldSize, RecoveryPolicy recovery, int shrinkTo, boolean growBack) {
        this(worldSize, 0, null, true, recovery, shrinkTo, growBack);
    }

    private ThreadDdpStrategy(int worldSize, int rank, String groupId, boolean driver, RecoveryPolicy recovery,
            int shrinkTo, boolean growBack) {
        this.worldSize = worldSize;
        this.rank = rank;
        this.groupId = groupId;
        this.driver = driver;
        this.recovery = recovery;
        this.shrinkTo = shrinkTo;
        this.growBack = growBack;
    }

    @Override
    public RecoveryPolicy recoveryPolicy() {
        return recovery;
    }

    @Override
    public Optional<Launcher> launcher() {
        return driver ? Optional.of(new ThreadLauncher()) : Optional.empty();
    }

    /** Runs every rank's task on its own thread, after a serialization round trip. */
    private final class ThreadLauncher implements Launcher {
        private boolean failedBefore;

        @Override
        public boolean isRecoverable(RuntimeException failure) {
            return failure instanceof WorkerLost;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <R extends Serializable> List<R> launch(RankTask<R> task, Consumer<ProgressEvent> progress) {
            byte[] wire = JavaBytes.write(task);
            String id = java.util.UUID.randomUUID().toString();
            int size = failedBefore && shrinkTo > 0 ? shrinkTo : worldSize;
            failedBefore = false;
            boolean askToGrow = growBack && size < worldSize;
            GROUPS.put(id, new ThreadGroup(size));
            ExecutorService pool = Executors.newFixedThreadPool(size);
            try {
                List<Future<R>> futures = new ArrayList<>();
                for (int r = 0; r < size; r++) {
                    ThreadDdpStrategy rankStrategy = new ThreadDdpStrategy(size, r, id, false, recovery, shrinkTo,
                            growBack);
                    // rank zero streams its events to the driver, as a real launcher does
                    DriverLink forwarder = r == 0 ? new DriverLink() {
                        @Override
                        public void onProgress(ProgressEvent e) {
                            progress.accept(e);
                        }

                        @Override
                        public boolean growRequested() {
                            return askToGrow;
                        }
                    } : null;
                    futures.add(pool.submit(() -> {
                        try {
                            return ((RankTask<R>) JavaBytes.read(wire)).run(rankStrategy, forwarder);
                        } catch (RuntimeException | Error e) {
                            GROUPS.get(id).abort();
                            throw e;
                        }
                    }));
                }
                List<R> results = new ArrayList<>();
                RuntimeException first = null;
                for (int r = 0; r < size; r++) {
                    try {
                        results.add(futures.get(r).get());
                    } catch (ExecutionException e) {
                        RuntimeException cause = e.getCause() instanceof RuntimeException re ? re
                                : new IllegalStateException(e.getCause());
                        // report the rank that failed first-hand, not the peers it woke up
                        boolean secondHand = String.valueOf(cause.getMessage()).contains("peer rank failed");
                        if (first == null || (!secondHand && String.valueOf(first.getMessage()).contains("peer rank failed"))) {
                            first = cause;
                        }
                    }
                }
                if (first != null) {
                    failedBefore = true;
                    throw first;
                }
                return results;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                pool.shutdownNow();
                GROUPS.remove(id);
            }
        }
    }

    private ThreadGroup group() {
        return GROUPS.get(groupId);
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public int globalRank() {
        return rank;
    }

    @Override
    public int localRank() {
        return rank;
    }

    @Override
    public int nodeRank() {
        return 0;
    }

    @Override
    public void barrier(String name) {
        if (!driver) {
            group().await();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends Serializable> T broadcast(T value, int src) {
        return driver ? value : (T) group().broadcast(rank, value, src);
    }

    @Override
    public void saveCheckpoint(dev.raylightning.core.checkpoint.Checkpoint checkpoint, java.nio.file.Path path) {
        SAVES.add(rank);
        Strategy.super.saveCheckpoint(checkpoint, path);
    }

    @Override
    public double[] reduce(double[] values, ReduceOp op) {
        return switch (op) {
            case SUM -> group().allReduceSum(rank, values);
            case AVG -> {
                double[] s = group().allReduceSum(rank, values);
                for (int i = 0; i < s.length; i++) {
                    s[i] /= worldSize;
                }
                yield s;
            }
            case MAX -> group().allReduceExtreme(rank, values, true);
            case MIN -> group().allReduceExtreme(rank, values, false);
        };
    }

    @Override
    public Serializable workerReport() {
        return "rank " + rank + " reduced " + reductions + " times";
    }

    @Override
    public void onWorkerReports(List<Serializable> reportsByRank) {
        REPORTS.add(reportsByRank);
    }

    @Override
    public void reduceGradients(List<NDArray> gradients) {
        reductions++;
        for (NDArray g : gradients) {
            FloatBuffer view = g.toByteBuffer(true).asFloatBuffer();
            double[] local = new double[view.remaining()];
            for (int i = 0; i < local.length; i++) {
                local[i] = view.get(i);
            }
            double[] sum = group().allReduceSum(rank, local);
            for (int i = 0; i < sum.length; i++) {
                view.put(i, (float) (sum[i] / worldSize));
            }
        }
    }
}
