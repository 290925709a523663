package dev.raylightning.bench.ddp;

import com.google.gson.JsonObject;
import dev.raylightning.bench.JsonLines;
import dev.raylightning.core.LightningModule;
import dev.raylightning.core.collective.ReduceOp;
import dev.raylightning.core.collective.tcp.RingOptions;
import dev.raylightning.core.collective.tcp.TcpRingProcessGroup;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What one gradient all-reduce costs with nothing else to do: two ranks of the TCP ring (two
 * threads of this JVM over loopback sockets) all-reduce a buffer of exactly the MLP's and the
 * CNN's gradient size (and of one float, the pure round-trip latency) back to back. Wall and CPU
 * time per call, per rank. The difference to the optimizer phase of a training step with two
 * workers is what training alongside costs the collective (scheduling, wake-ups, skew).
 */
@Command(name = "ring-cost", mixinStandardHelpOptions = true,
        description = "All-reduce cost of the benchmark's gradient sizes on an otherwise idle 2-rank TCP ring.")
public final class RingCost implements Callable<Integer> {

    @Option(names = "--iters", description = "timed all-reduces per size (default: ${DEFAULT-VALUE})")
    int iters = 400;

    @Option(names = "--warmup", description = "untimed all-reduces per size (default: ${DEFAULT-VALUE})")
    int warmup = 100;

    @Option(names = "--round", description = "round number for the JSON lines (default: ${DEFAULT-VALUE})")
    int round = 0;

    @Option(names = "--json-out", description = "also append the JSON lines to this file")
    Path jsonOut;

    @Override
    public Integer call() throws Exception {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("one-float", 1);
        sizes.put("cnn-gradient", gradientFloats("cnn"));
        sizes.put("mlp-gradient", gradientFloats("mlp"));
        JsonLines out = new JsonLines(jsonOut);
        List<TcpRingProcessGroup> ring = TcpRingProcessGroup.local(2, RingOptions.defaults());
        try {
            for (Map.Entry<String, Integer> e : sizes.entrySet()) {
                PhaseSeries[][] r = measure(ring, e.getValue());
                JsonObject o = new JsonObject();
                o.addProperty("framework", "ray-lightning-java");
                o.addProperty("mode", "ring-allreduce");
                o.addProperty("what", e.getKey());
                o.addProperty("floats", e.getValue());
                o.addProperty("round", round);
                o.addProperty("iters", iters);
                for (int rank = 0; rank < 2; rank++) {
                    String p = "r" + rank + "_";
                    o.addProperty(p + "wall_us_median", JsonLines.round(r[rank][0].medianMicros(), 1));
                    o.addProperty(p + "wall_us_p90", JsonLines.round(r[rank][0].percentileMicros(0.9), 1));
                    o.addProperty(p + "cpu_us_mean", JsonLines.round(r[rank][1].meanMicros(), 1));
                }
                out.emit(o);
            }
        } finally {
            ring.forEach(TcpRingProcessGroup::close);
        }
        return 0;
    }

    /** Per rank: wall and CPU time series of {@code iters} all-reduces of {@code floats} floats. */
    private PhaseSeries[][] measure(List<TcpRingProcessGroup> ring, int floats) throws InterruptedException {
        PhaseSeries[][] result = new PhaseSeries[2][];
        List<Thread> threads = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            int me = rank;
            Thread t = new Thread(() -> result[me] = loop(ring.get(me), floats), "ring-cost-r" + rank);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        return result;
    }

    private PhaseSeries[] loop(TcpRingProcessGroup group, int floats) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        FloatBuffer buf = ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder()).asFloatBuffer();
        PhaseSeries wall = new PhaseSeries();
        PhaseSeries cpu = new PhaseSeries();
        for (int i = 0; i < warmup + iters; i++) {
            long w = System.nanoTime();
            long c = mx.getCurrentThreadCpuTime();
            group.allReduce(buf, ReduceOp.AVG);
            if (i >= warmup) {
                wall.add(System.nanoTime() - w);
                cpu.add(mx.getCurrentThreadCpuTime() - c);
            }
        }
        return new PhaseSeries[] {wall, cpu};
    }

    private static int gradientFloats(String model) {
        try (LightningModule m = RunSettings.model(model)) {
            m.block();
            return Math.toIntExact(m.parameters().elementCount());
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new RingCost()).execute(args));
    }
}
