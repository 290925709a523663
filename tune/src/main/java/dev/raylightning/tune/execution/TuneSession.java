package dev.raylightning.tune.execution;

import dev.raylightning.core.util.Checks;
import dev.raylightning.tune.TrialContext;
import dev.raylightning.tune.TrialResult;
import dev.raylightning.tune.TuneResources;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The trial running in this process and its queue of reports. A trial actor runs one trial at a
 * time, so the session is process-wide: callbacks find it wherever they run in the process.
 * Reports wait here until the controller's next {@link #take} call, which blocks until there is
 * one (or the trial ends), so the controller never polls.
 */
public final class TuneSession implements TrialContext {

    private static volatile TuneSession current;

    private final String trialId;
    private final TuneResources resources;
    private final Path checkpoint;
    private final long startNanos = System.nanoTime();
    private final double timeOffsetSeconds;
    private final List<ReportedResult> queue = new ArrayList<>();
    private long iteration;
    private long lastReportNanos = startNanos;
    private boolean finished;

    TuneSession(String trialId, TuneResources resources, Path checkpoint, long startIteration, double timeOffsetSeconds) {
        this.trialId = trialId;
        this.resources = resources;
        this.checkpoint = checkpoint;
        this.iteration = startIteration;
        this.timeOffsetSeconds = timeOffsetSeconds;
    }

    /** The session of this process, if a trial runs here. */
    public static Optional<TrialContext> current() {
        return Optional.ofNullable(current);
    }

    static synchronized void open(TuneSession s) {
        if (current != null) {
            throw new IllegalStateException("trial " + current.trialId + " already runs in this process");
        }
        current = s;
    }

    static synchronized void closeCurrent() {
        current = null;
    }

    @Override
    public String trialId() {
        return trialId;
    }

    @Override
    public TuneResources resources() {
        return resources;
    }

    @Override
    public Optional<Path> checkpoint() {
        return Optional.ofNullable(checkpoint);
    }

    @Override
    public synchronized long iteration() {
        return iteration;
    }

    @Override
    public void report(Map<String, ? extends Number> metrics) {
        add(metrics, null, null);
    }

    @Override
    public void report(Map<String, ? extends Number> metrics, byte[] checkpointBytes, String filename) {
        Checks.checkNotNull(checkpointBytes, "checkpoint");
        Checks.checkPathElement(filename, "checkpoint file name");
        add(metrics, checkpointBytes, filename);
    }

    private synchronized void add(Map<String, ? extends Number> metrics, byte[] ckpt, String filename) {
        if (finished) {
            throw new IllegalStateException("trial " + trialId + " has finished; it cannot report any more");
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (Map.Entry<String, ? extends Number> e : metrics.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException("reported metric '" + e.getKey() + "' is null");
            }
            values.put(e.getKey(), e.getValue().doubleValue());
        }
        long now = System.nanoTime();
        iteration++;
        TrialResult r = new TrialResult(trialId, iteration, timeOffsetSeconds + (now - startNanos) / 1e9,
                (now - lastReportNanos) / 1e9, System.currentTimeMillis() / 1000, values, null);
        lastReportNanos = now;
        queue.add(new ReportedResult(r, ckpt, filename));
        notifyAll();
    }

    /** Marks the training function as returned; wakes a waiting {@link #take}. */
    synchronized void finish() {
        finished = true;
        notifyAll();
    }

    /** Waits up to {@code maxWaitMillis} for reports or the end, then hands over what is queued. */
    synchronized ReportBatch take(long maxWaitMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxWaitMillis;
        while (queue.isEmpty() && !finished) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        ReportBatch batch = new ReportBatch(queue, finished);
        queue.clear();
        return batch;
    }
}
