package dev.raylightning.strategies.launcher;

import dev.raylightning.core.RunRequest;
import dev.raylightning.core.RunResult;
import dev.raylightning.core.Trainer;
import dev.raylightning.core.collective.ProcessGroup;
import dev.raylightning.strategies.RayDdpStrategy;
import dev.raylightning.strategies.shipping.ShippedPayload;
import io.ray.api.Ray;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The Ray actor behind one training rank. The driver calls it with plain bytes and strings, so
 * no reflection-based serialization is needed on the driver: {@link #nodeId()}, {@link #listen()},
 * then {@link #run} (the whole trainer call), while {@link #drainEvents()} streams rank zero's
 * progress. The actor runs two threads so that draining works while {@code run} is busy.
 */
public final class RayWorker {

    /** Longest wait of one {@link #drainEvents()} call. */
    static final long DRAIN_WAIT_MILLIS = 2_000;

    private final EventQueue events = new EventQueue();
    private volatile GroupRendezvous.Pending pending;

    /** Ray constructs actors with a public no-argument constructor. */
    public RayWorker() {}

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
     * Runs the shipped request as one rank and returns the outcome as bytes: a serialized
     * {@link WorkerOutcome}. User exceptions are captured in the outcome (type, message, stack)
     * rather than thrown, so the driver can name the rank and the error precisely.
     */
    public byte[] run(byte[] shippedRequest, String endpoints, String control) {
        // control: "<rank info csv>|<collective timeout millis>|<group id>" (Ray passes at most five arguments)
        String[] parts = control.split("\\|");
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        ProcessGroup group = null;
        events.reopen();
        try {
            RankInfo info = RankInfoCodec.decode(parts[0]);
            int rank = info.globalRank();
            group = pending.connect(rank, List.of(endpoints.split(",")), Long.parseLong(parts[1]),
                    Long.parseLong(parts[2]));
            ShippedPayload payload = ShippedPayload.fromBytes(shippedRequest);
            RunRequest request = (RunRequest) payload.open(RayWorker.class.getClassLoader());
            Thread.currentThread().setContextClassLoader(request.module().getClass().getClassLoader());
            RayDdpStrategy driverStrategy = (RayDdpStrategy) request.config().strategy();
            DdpWorkerStrategy strategy = new DdpWorkerStrategy(info, group, driverStrategy.bucketCapBytes());
            driverStrategy.runInitHook(info);
            RunResult result = Trainer.runWorker(request, strategy, rank == 0 ? events : null);
            return serialize(WorkerOutcome.success(result, BestCheckpoint.read(result)));
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
     * Rank zero's progress events since the last call, serialized; empty when none. Waits (up
     * to {@link #DRAIN_WAIT_MILLIS}) until there is something to send or the run has ended.
     */
    public byte[] drainEvents() {
        return events.drain(DRAIN_WAIT_MILLIS);
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
