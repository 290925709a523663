package dev.raylightning.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Summarises the JSON lines of {@link TrainerOverheadBench} and of the Python peer
 * ({@code bench/python/lightning_mlp.py}) taken in one invocation: steps/s per mode and batch
 * size, and our trainer's ratios against the DJL loop, PyTorch Lightning and bare torch.
 * Lines that are not JSON objects with a mode, a batch size and steps/s are skipped.
 */
@Command(name = "summarize-results", mixinStandardHelpOptions = true,
        description = "Tables and ratios from benchmark JSON lines (Java and Python).")
public final class SummarizeResults implements Callable<Integer> {

    @Parameters(arity = "1..*", description = "files of JSON lines, in the order they were measured")
    List<Path> files;

    @Option(names = "--markdown", description = "print Markdown tables")
    boolean markdown;

    @Option(names = "--max-overhead", description = "the overhead against the DJL loop the verdict allows (default: ${DEFAULT-VALUE})")
    double maxOverhead = 0.05;

    @Override
    public Integer call() throws IOException {
        ResultTable table = new ResultTable();
        for (Path f : files) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                read(line, table);
            }
        }
        if (table.batchSizes().isEmpty()) {
            System.err.println("no results in " + files);
            return 1;
        }
        table.print(System.out, markdown);
        System.out.println();
        List<String> ours = new ArrayList<>();
        for (Variant v : List.of(Variant.TRAINER, Variant.TRAINER_NO_PREFETCH, Variant.TRAINER_NO_LOG)) {
            ours.add(v.mode());
        }
        // The DJL loop against torch too: it separates DJL's own cost from the trainer's.
        List<String> modes = new ArrayList<>(ours);
        modes.add(Variant.DJL_BASELINE.mode());
        table.printRatios(System.out, modes, List.of(Variant.DJL_BASELINE.mode(), "lightning", "torch"), markdown);
        System.out.println();
        boolean within = table.printOverhead(System.out, Variant.TRAINER.mode(), Variant.DJL_BASELINE.mode(), maxOverhead);
        table.printOverhead(System.out, Variant.TRAINER_NO_PREFETCH.mode(), Variant.DJL_BASELINE.mode(), maxOverhead);
        table.printOverhead(System.out, Variant.TRAINER_NO_LOG.mode(), Variant.DJL_BASELINE.mode(), maxOverhead);
        System.out.println(within ? "verdict: trainer overhead within the limit at every batch size"
                : "verdict: trainer overhead OVER the limit (or no baseline to compare with)");
        return 0;
    }

    private static void read(String line, ResultTable table) {
        String s = line.strip();
        if (!s.startsWith("{")) {
            return;
        }
        try {
            JsonObject o = JsonParser.parseString(s).getAsJsonObject();
            if (o.has("mode") && o.has("batch_size") && o.has("steps_per_s")) {
                table.add(o.get("mode").getAsString(), o.get("batch_size").getAsInt(), o.get("steps_per_s").getAsDouble());
            }
        } catch (JsonSyntaxException | IllegalStateException e) {
            // not one of ours: a stray log line that happens to start with a brace
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SummarizeResults()).execute(args));
    }
}
