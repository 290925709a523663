package dev.raylightning.bench.collective;

import dev.raylightning.core.collective.GroupSecret;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs of one measurement, started with this JVM's class path, and the file rendezvous
 * they use ({@code <name>.addr} written atomically in a shared directory). Whatever a child
 * prints on stdout is passed through; every child is killed if the measurement fails.
 */
final class Children implements AutoCloseable {

    /** Environment variable with the ring secret of the measurement. */
    static final String SECRET_ENV = "COLLECTIVE_BENCH_SECRET";

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    /** The measurement's ring secret, handed to every child in its environment. */
    private final GroupSecret secret = GroupSecret.random();

    Children() throws IOException {
        this.dir = Files.createTempDirectory("collective-bench");
    }

    Path dir() {
        return dir;
    }

    void start(List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add("-XX:MaxDirectMemorySize=1g");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CollectiveBench.class.getName());
        cmd.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put(SECRET_ENV, secret.toHex()); // the environment is private, the command line is not
        processes.add(builder.start());
    }

    /** Copies every child's stdout to ours and waits for all of them; fails on a bad exit. */
    void pipeAndWait(long timeoutSeconds) throws IOException, InterruptedException {
        List<Thread> pumps = new ArrayList<>();
        for (Process p : processes) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (System.out) {
                            System.out.println(line);
                            System.out.flush();
                        }
                    }
                } catch (IOException ignored) {
                    // the child is gone
                }
            });
            t.start();
            pumps.add(t);
        }
        for (Process p : processes) {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a benchmark child did not finish in " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("a benchmark child exited with " + p.exitValue());
            }
        }
        for (Thread t : pumps) {
            t.join();
        }
    }

    static void publish(Path dir, String name, String value) throws IOException {
        Path tmp = dir.resolve(name + ".tmp");
        Files.writeString(tmp, value);
        Files.move(tmp, dir.resolve(name + ".addr"), StandardCopyOption.ATOMIC_MOVE);
    }

    static String await(Path dir, String name) throws IOException, InterruptedException {
        Path p = dir.resolve(name + ".addr");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(p)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " never published its address");
            }
            Thread.sleep(5);
        }
        return Files.readString(p);
    }

    @Override
    public void close() throws IOException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }
}
