package dev.raylightning.bench.collective;

import java.util.ArrayList;
import java.util.List;

/**
 * The few flags the collective benchmark takes ({@code --name value}), with defaults. {@code api}
 * picks the ring's entry point: {@code bytes} (zero-copy, what a DJL gradient view offers) or
 * {@code floats} (the {@code ProcessGroup} SPI's FloatBuffer, staged through one copy).
 */
record BenchArgs(List<Integer> sizesKb, int iters, int warmup, int round, int chunkBytes, int socketBufferBytes,
        String api) {

    static BenchArgs parse(String[] args, int from) {
        List<Integer> sizes = List.of(1 << 10, 4 << 10, 16 << 10, 64 << 10);
        int iters = 20;
        int warmup = 5;
        int round = 0;
        int chunk = 512 * 1024;
        int sockBuf = 4 * 1024 * 1024;
        String api = "bytes";
        for (int i = from; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--sizes-kb" -> sizes = parseSizes(v, 1);
                case "--sizes-mb" -> sizes = parseSizes(v, 1024);
                case "--iters" -> iters = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--round" -> round = Integer.parseInt(v);
                case "--chunk-bytes" -> chunk = Integer.parseInt(v);
                case "--socket-buffer" -> sockBuf = Integer.parseInt(v);
                case "--api" -> api = v;
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (!List.of("bytes", "floats", "shm", "shm-ring", "shm-1b", "shm-2b").contains(api)) {
            throw new IllegalArgumentException("--api is bytes, floats, shm, shm-ring, shm-1b or shm-2b, got " + api);
        }
        return new BenchArgs(sizes, iters, warmup, round, chunk, sockBuf, api);
    }

    /** Sizes in KiB, scaled by {@code kbPerUnit}. */
    private static List<Integer> parseSizes(String v, int kbPerUnit) {
        List<Integer> s = new ArrayList<>();
        for (String p : v.split(",")) {
            s.add(Integer.parseInt(p.trim()) * kbPerUnit);
        }
        return List.copyOf(s);
    }

    /** Back to flags, for child processes. */
    List<String> toFlags() {
        StringBuilder s = new StringBuilder();
        for (int kb : sizesKb) {
            s.append(s.length() == 0 ? "" : ",").append(kb);
        }
        return List.of("--sizes-kb", s.toString(), "--iters", String.valueOf(iters), "--warmup",
                String.valueOf(warmup), "--round", String.valueOf(round), "--chunk-bytes", String.valueOf(chunkBytes),
                "--socket-buffer", String.valueOf(socketBufferBytes), "--api", api);
    }

    int maxBytes() {
        return sizesKb.stream().mapToInt(Integer::intValue).max().orElse(1) << 10;
    }
}
