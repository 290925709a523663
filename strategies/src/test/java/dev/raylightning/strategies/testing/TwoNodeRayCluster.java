package dev.raylightning.strategies.testing;

import dev.raylightning.strategies.cluster.RayBinaries;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two Ray nodes on 127.0.0.1 (a head and a second raylet, 2 CPUs each), started by Ray's own
 * {@code ray.cluster_utils.Cluster} in a small Python process ({@code two_nodes.py}), so tests
 * see placement across nodes, node ranks and collectives between nodes for real. Closing it (or
 * this JVM dying) ends the Python process's stdin, which shuts both nodes down; what still runs
 * after 60 s is killed. {@link #removeSecondNode()} takes the second node away, as a lost machine;
 * {@link #addSecondNode()} brings a new one.
 */
public final class TwoNodeRayCluster implements AutoCloseable {

    private final Process python;
    private final BufferedReader out;
    private final String address;
    private final Path dir;

    private TwoNodeRayCluster(Process python, BufferedReader out, String address, Path dir) {
        this.python = python;
        this.out = out;
        this.address = address;
        this.dir = dir;
    }

    /** Starts both nodes and waits (up to 3 minutes) until they are up. */
    public static TwoNodeRayCluster start(Path dir) throws IOException {
        Path script = dir.resolve("two_nodes.py");
        try (InputStream in = TwoNodeRayCluster.class.getResourceAsStream("/two_nodes.py")) {
            Files.copy(in, script);
        }
        Path pythonExe = RayBinaries.locate().resolveSibling("python");
        Path temp = Files.createDirectories(dir.resolve("ray"));
        Process p = new ProcessBuilder(List.of(pythonExe.toString(), script.toString(), temp.toString()))
                .redirectError(dir.resolve("two_nodes.err").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.currentTimeMillis() + 180_000;
        String line;
        while ((line = out.readLine()) != null && System.currentTimeMillis() < deadline) {
            if (line.startsWith("ADDRESS ")) {
                return new TwoNodeRayCluster(p, out, line.substring("ADDRESS ".length()).trim(), dir);
            }
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IllegalStateException("the two-node cluster did not start: "
                + Files.readString(dir.resolve("two_nodes.err")));
    }

    /** The head's GCS address, for {@code ray.address}. */
    public String address() {
        return address;
    }

    /** Takes the second node away at once (its raylet and every process on it killed), as a lost machine. */
    public void removeSecondNode() throws IOException {
        command("remove-second", "REMOVED");
    }

    /** Starts a new second node (2 CPUs, the "second_node" resource) after {@link #removeSecondNode()}. */
    public void addSecondNode() throws IOException {
        command("add-second", "ADDED");
    }

    private synchronized void command(String line, String answer) throws IOException {
        python.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        python.getOutputStream().flush();
        String got;
        while ((got = out.readLine()) != null) {
            if (got.equals(answer)) {
                return;
            }
        }
        throw new IllegalStateException("the two-node cluster ended while answering " + line);
    }

    @Override
    public void close() {
        List<ProcessHandle> tree = python.descendants().toList();
        try {
            python.getOutputStream().close();
            if (!python.waitFor(60, TimeUnit.SECONDS)) {
                python.destroyForcibly();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Override
    public String toString() {
        return "two Ray nodes at " + address + " (logs in " + dir + ")";
    }
}
