package dev.raylightning.core.collective.tcp;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs one task per rank, each on its own thread, as separate processes would. */
final class Ranks {

    interface RankTask<T> {
        T run(int rank) throws Exception;
    }

    private Ranks() {}

    /** Runs {@code task} on {@code n} threads and returns their results in rank order; rethrows the first failure. */
    static <T> List<T> run(int n, RankTask<T> task) {
        List<Outcome<T>> outcomes = runAll(n, task, 60);
        List<T> results = new ArrayList<>();
        for (Outcome<T> o : outcomes) {
            if (o.error() != null) {
                throw new AssertionError("rank failed: " + o.error(), o.error());
            }
            results.add(o.value());
        }
        return results;
    }

    record Outcome<T>(T value, Throwable error, long millis) {}

    /** Starts a thread that runs {@code action} after {@code millis} (a peer failing while others wait). */
    static Thread after(long millis, Runnable action) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            action.run();
        });
        t.start();
        return t;
    }

    /** Runs every rank to the end, keeping each one's value or error and its duration. */
    static <T> List<Outcome<T>> runAll(int n, RankTask<T> task, int timeoutSeconds) {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Outcome<T>>> futures = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    try {
                        T v = task.run(rank);
                        return new Outcome<>(v, null, (System.nanoTime() - start) / 1_000_000);
                    } catch (Throwable t) {
                        return new Outcome<>(null, t, (System.nanoTime() - start) / 1_000_000);
                    }
                }));
            }
            List<Outcome<T>> out = new ArrayList<>();
            for (Future<Outcome<T>> f : futures) {
                out.add(f.get(timeoutSeconds, TimeUnit.SECONDS));
            }
            return out;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("ranks did not finish: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }
}
