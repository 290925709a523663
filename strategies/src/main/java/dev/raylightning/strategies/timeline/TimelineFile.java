package dev.raylightning.strategies.timeline;

import com.google.gson.stream.JsonWriter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes every rank's timeline as one Chrome trace ({@code {"traceEvents": [...]}}), the JSON
 * that Perfetto and chrome://tracing open: a process per rank, named "rank r", whose one thread
 * holds its steps as complete events ({@code "ph": "X"}, microseconds) with their phases nested
 * inside. Streamed, so the trace is never held as a tree; written to a temporary file beside the
 * target and moved over it, so a reader never sees half a trace.
 */
public final class TimelineFile {

    /** The one thread of each rank's process in the trace. */
    static final int LANE = 0;

    private TimelineFile() {}

    /** Writes {@code ranks} (any order; each knows its rank) to {@code path}, creating its parent. */
    public static void write(Path path, List<TimelineEvents> ranks) {
        Path target = path.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(target.getParent());
            tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
            try (Writer out = new BufferedWriter(Files.newBufferedWriter(tmp, StandardCharsets.UTF_8), 1 << 16);
                    JsonWriter json = new JsonWriter(out)) {
                writeTrace(json, ranks);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the timeline " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a stray temporary file never shadows the timeline
                }
            }
        }
    }

    private static void writeTrace(JsonWriter json, List<TimelineEvents> ranks) throws IOException {
        long dropped = 0;
        json.beginObject().name("traceEvents").beginArray();
        for (TimelineEvents r : ranks) {
            metadata(json, "process_name", r.rank(), "name", "rank " + r.rank());
            metadata(json, "process_sort_index", r.rank(), "sort_index", r.rank());
            metadata(json, "thread_name", r.rank(), "name", "steps and collectives");
            int step = 0;
            for (int i = 0; i < r.size(); i++) {
                event(json, r, i, r.phase(i) == TimelinePhase.STEP ? step++ : -1);
            }
            dropped += r.dropped();
        }
        json.endArray().name("displayTimeUnit").value("ms");
        json.name("otherData").beginObject().name("ranks").value(ranks.size()).name("droppedEvents").value(dropped)
                .endObject();
        json.endObject();
    }

    private static void metadata(JsonWriter json, String name, int pid, String arg, Object value) throws IOException {
        json.beginObject().name("name").value(name).name("ph").value("M").name("pid").value(pid).name("tid")
                .value(LANE).name("args").beginObject().name(arg);
        if (value instanceof Number n) {
            json.value(n);
        } else {
            json.value(String.valueOf(value));
        }
        json.endObject().endObject();
    }

    private static void event(JsonWriter json, TimelineEvents r, int i, int step) throws IOException {
        TimelinePhase phase = r.phase(i);
        json.beginObject().name("name").value(phase.traceName()).name("cat").value(phase.category())
                .name("ph").value("X").name("ts").value(r.startMicros(i))
                .name("dur").value(r.endMicros(i) - r.startMicros(i))
                .name("pid").value(r.rank()).name("tid").value(LANE).name("args").beginObject();
        if (step >= 0) {
            json.name("step").value(step);
        } else if (phase != TimelinePhase.WAIT) {
            json.name("tensors").value(r.tensors(i)).name("bytes").value(r.bytes(i));
            if (phase == TimelinePhase.ALLREDUCE) {
                // a compressed all-reduce encodes inside the collective: its wire says so
                json.name("op").value(r.reduceOp()).name("wire").value(r.wire().name()).name("wireBytes")
                        .value(r.bytes(i) / Float.BYTES * r.wire().bytes());
            }
        }
        json.endObject().endObject();
    }
}
