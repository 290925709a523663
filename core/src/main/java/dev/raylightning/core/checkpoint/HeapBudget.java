package dev.raylightning.core.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Allocates the arrays a checkpoint's binary entries decode into, after its index and entry sizes
 * were checked: refused when they need more than this JVM's whole heap, and when the heap cannot
 * hold them now, so a large or inflated entry ends in a {@link CheckpointException}, not an
 * {@link OutOfMemoryError}.
 */
final class HeapBudget {

    private final Path source;
    private final long bytes;

    HeapBudget(Path source, long bytes) {
        long max = Runtime.getRuntime().maxMemory();
        if (bytes > max) {
            throw tooLarge(source, bytes);
        }
        this.source = source;
        this.bytes = bytes;
    }

    List<float[]> allocate(IntStream sizes) {
        List<float[]> out = new ArrayList<>();
        try {
            sizes.forEach(n -> out.add(new float[n]));
        } catch (OutOfMemoryError e) {
            // one failed array allocation: the arrays made so far are unreachable once this returns
            out.clear();
            throw tooLarge(source, bytes);
        }
        return out;
    }

    private static CheckpointException tooLarge(Path source, long bytes) {
        return new CheckpointException(source + " needs " + (bytes >> 20) + " MiB of arrays; this JVM's heap ("
                + (Runtime.getRuntime().maxMemory() >> 20) + " MiB at most) cannot hold them");
    }
}
