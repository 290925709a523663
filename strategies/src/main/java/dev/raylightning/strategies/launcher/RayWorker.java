package dev.raylightning.strategies.launcher;

import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.core.engine.Engines;
import dev.raylightning.core.strategy.RankInfo;
import dev.raylightning.core.strategy.Strategy;
import dev.raylightning.core.util.JavaBytes;
import dev.raylightning.strategies.cluster.WorkerClassArchive;
import dev.raylightning.strategies.shipping.ShippedPayload;
import io.ray.api.Ray;

import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The Ray actor behind one rank of a launch. The driver calls it with plain bytes and strings, so
 * no reflection-based serialization is needed on the driver: {@link #nodeId()}, {@link #listen},
 * then {@link #run} (the whole rank task), while {@link #drainEvents()} streams rank zero's
 * progress and every rank's warnings and errors ({@link WorkerLogCapture}) and {@link #requestGrow()}
 * brings the driver's request for a larger group. The actor runs three threads so that both work
 * while {@code run} is busy. It knows
 * no concrete strategy: the shipped {@link WorkerJob} brings the task and the strategy factory.
 */
public final class RayWorker {

    /** Longest wait of one {@link #drainEvents()} call. */
    static final long DRAIN_WAIT_MILLIS = 2_000;

    private static final byte[] EMPTY = new byte[0];

    private final EventQueue events = new EventQueue();
    private final WorkerLogCapture logs = WorkerLogCapture.install();
    private volatile GroupRendezvous.Pending pending;

    /** JVM option: start DJL's engine when the actor is created (set for groups without an init hook). */
    static final String PRELOAD_ENGINE_PROPERTY = "ray.lightning.preload-engine";
    /** Set in this JVM once that early start has finished (for tests and diagnostics). */
    static final String ENGINE_PRELOADED_PROPERTY = "ray.lightning.engine-preloaded";

    /**
     * Ray constructs actors with a public no-argument constructor. The JIT compiler's threads get a
     * lower priority than training ({@link CompilerThreads}). Starting libtorch takes about 0.4 s;
     * begun here, it overlaps the driver's rendezvous instead of delaying the first step.
     */
    public RayWorker() {
        CompilerThreads.lowerPriority();
        if (Boolean.getBoolean(PRELOAD_ENGINE_PROPERTY)) {
            Thread preload = new Thread(() -> {
                try {
                    Engines.pytorch();
                    System.setProperty(ENGINE_PRELOADED_PROPERTY, "true");
                } catch (RuntimeException | Error e) {
                    // the run starts the engine itself and reports what goes wrong there
                    org.slf4j.LoggerFactory.getLogger(RayWorker.class).debug("early engine start failed", e);
                }
            }, "engine-preload");
            preload.setDaemon(true);
            preload.start();
        }
    }

    /** The id of the Ray node this worker runs on. */
    public String nodeId() {
        return Ray.getRuntimeContext().getCurrentNodeId().toString();
    }

    /** This worker's process id (for tests and diagnostics). */
    public long pid() {
        return ProcessHandle.current().pid();
    }

    /** Opens this rank's collective endpoint; returns {@code host:port}. */
    public String listen(String host) {
        pending = GroupRendezvous.listen(host);
        return pending.endpoint();
    }

    /**
     * Runs the shipped job as one rank and returns the outcome as bytes: a serialized
     * {@link WorkerOutcome}. User exceptions are captured in the outcome (type, message, stack)
     * rather than thrown, so the driver can name the rank and the error precisely.
     *
     * @param shippedJob the {@link WorkerJob}, shipped with any classes workers lack
     * @param endpoints every rank's endpoint, comma-separated, in rank order
     * @param control this rank's serialized {@link WorkerControl}
     */
    public byte[] run(byte[] shippedJob, String endpoints, byte[] control) {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        ProcessGroup group = null;
        events.reopen();
        try {
            WorkerControl c = (WorkerControl) JavaBytes.read(control);
            RankInfo rank = c.rank();
            group = pending.connect(rank.globalRank(), List.of(endpoints.split(",")), c.collectiveTimeoutMillis(),
                    c.secret());
            ShippedPayload.Opened opened = ShippedPayload.fromBytes(shippedJob).open(RayWorker.class.getClassLoader());
            Thread.currentThread().setContextClassLoader(opened.loader());
            WorkerJob job = (WorkerJob) opened.value();
            Strategy strategy = job.strategyFactory().create(rank, group);
            if (job.initHook() != null) {
                job.initHook().run(rank);
            }
            Serializable result = job.task().run(strategy, rank.globalRank() == 0 ? events : null);
            if (rank.globalRank() == 0) {
                WorkerClassArchive.dumpAfterRun();
            }
            return serialize(WorkerOutcome.success(result));
        } catch (Throwable t) {
            return serialize(WorkerOutcome.failure(t));
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
            if (group != null) {
                group.close();
            }
            events.close();
        }
    }

    /**
     * Asks the running job to end at its next epoch boundary, to continue on a larger group (the
     * cluster has room again after an elastic shrink); read by rank zero's fit loop.
     */
    public void requestGrow() {
        events.requestGrow();
    }

    /**
     * Rank zero's progress events and this rank's warnings since the last call, as serialized
     * {@link DrainedEvents}; empty when none. Waits (up to {@link #DRAIN_WAIT_MILLIS}) until there
     * is progress to send or the run has ended.
     */
    public byte[] drainEvents() {
        DrainedEvents drained = new DrainedEvents(events.drain(DRAIN_WAIT_MILLIS),
                logs == null ? List.of() : logs.drain());
        return drained.isEmpty() ? EMPTY : JavaBytes.write(drained);
    }

    /**
     * The outcome as bytes; an outcome that cannot be serialized (e.g. a user exception with odd
     * fields) becomes a failure that says so.
     */
    static byte[] serialize(WorkerOutcome o) {
        try {
            return JavaBytes.write(o);
        } catch (UncheckedIOException e) {
            StringWriter sw = new StringWriter();
            e.getCause().printStackTrace(new PrintWriter(sw));
            return JavaBytes.write(WorkerOutcome.failure("java.io.NotSerializableException",
                    "the worker's result could not be serialized: " + e.getCause().getMessage(), sw.toString()));
        }
    }
}
