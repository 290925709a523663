package dev.raylightning.bench.collective;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * All-reduce bus bandwidth of {@code TcpRingProcessGroup} with ranks in separate JVMs, and the
 * raw loopback TCP it runs on, as JSON lines on stdout (one per size). Gloo's numbers come from
 * {@code bench/python/gloo_allreduce.py}; {@code bench/run-collective-bench.sh} runs all of them
 * in rounds and {@link CollectiveSummary} turns the lines into the table.
 *
 * <pre>
 * CollectiveBench ring      [--sizes-kb 64,1024 | --sizes-mb 1,4,16,64] [--iters 20] [--warmup 5] [--round r]
 *                           [--chunk-bytes 524288] [--socket-buffer 4194304] [--ranks 2]
 * CollectiveBench tcp       (same flags)   one-way loopback TCP between two JVMs
 * CollectiveBench tcp-bidir (same flags)   both ways at once
 * CollectiveBench summarize results.jsonl [--markdown]
 * </pre>
 */
public final class CollectiveBench {

    private CollectiveBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: CollectiveBench ring|tcp|tcp-bidir|summarize ...");
        }
        switch (args[0]) {
            case "ring" -> {
                int ranks = 2;
                List<String> rest = new ArrayList<>();
                for (int i = 1; i < args.length; i += 2) {
                    if (args[i].equals("--ranks")) {
                        ranks = Integer.parseInt(args[i + 1]);
                    } else {
                        rest.add(args[i]);
                        rest.add(args[i + 1]);
                    }
                }
                BenchArgs a = BenchArgs.parse(rest.toArray(String[]::new), 0);
                try (Children c = new Children()) {
                    for (int r = 0; r < ranks; r++) {
                        List<String> child = new ArrayList<>(List.of("ring-rank", String.valueOf(r),
                                String.valueOf(ranks), c.dir().toString()));
                        child.addAll(a.toFlags());
                        c.start(child);
                    }
                    c.pipeAndWait(600);
                }
            }
            case "tcp", "tcp-bidir" -> {
                BenchArgs a = BenchArgs.parse(args, 1);
                try (Children c = new Children()) {
                    for (int side = 0; side < 2; side++) {
                        List<String> child = new ArrayList<>(List.of(args[0] + "-side", String.valueOf(side),
                                c.dir().toString()));
                        child.addAll(a.toFlags());
                        c.start(child);
                    }
                    c.pipeAndWait(600);
                }
            }
            case "ring-rank" -> RingRank.run(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Path.of(args[3]),
                    BenchArgs.parse(args, 4));
            case "tcp-side", "tcp-bidir-side" -> RawTcp.run(Integer.parseInt(args[1]), Path.of(args[2]),
                    args[0].equals("tcp-bidir-side"), BenchArgs.parse(args, 3));
            case "summarize" -> CollectiveSummary.print(Path.of(args[1]),
                    args.length > 2 && args[2].equals("--markdown"));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}
