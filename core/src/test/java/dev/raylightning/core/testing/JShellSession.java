package dev.raylightning.core.testing;

import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;

import java.io.File;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A JShell session in this JVM (as notebook kernels run one) with the test class path, for tests
 * of classes and lambdas that no jar holds. Snippets that throw or do not compile fail the test.
 */
public final class JShellSession implements AutoCloseable {

    private final JShell js;

    private JShellSession() {
        js = JShell.builder().executionEngine("local").build();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            js.addToClasspath(entry);
        }
    }

    /** A session whose class path is this JVM's. */
    public static JShellSession open() {
        return new JShellSession();
    }

    /** Adds a class path entry. */
    public void addToClasspath(String entry) {
        js.addToClasspath(entry);
    }

    /** Evaluates {@code code}; returns the values of its expressions, concatenated. */
    public String eval(String code) {
        StringBuilder values = new StringBuilder();
        for (SnippetEvent e : js.eval(code)) {
            if (e.exception() != null) {
                throw new AssertionError("snippet threw: " + code, e.exception());
            }
            if (e.status() == Snippet.Status.REJECTED) {
                String diags = js.diagnostics(e.snippet())
                        .map(d -> d.getMessage(Locale.ROOT)).reduce("", (a, b) -> a + "\n" + b);
                fail("snippet rejected: " + code + diags);
            }
            if (e.value() != null) {
                values.append(e.value());
            }
        }
        return values.toString();
    }

    @Override
    public void close() {
        js.close();
    }
}
