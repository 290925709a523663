package dev.raylightning.examples;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/**
 * How the examples run their picocli commands: enum values in any case, and a failure shown as
 * one message (with the messages of its causes) rather than a stack trace, unless
 * {@code --stacktrace} asks for it. A refused argument exits with picocli's usage code 2,
 * any other failure with 1.
 */
final class ExampleCommandLine {

    private ExampleCommandLine() {}

    /** The {@code --stacktrace} option, mixed into every example command. */
    static final class StackTraceOption {
        @Option(names = "--stacktrace", description = "show the full stack trace of a failure")
        boolean show;
    }

    static int execute(Object command, String... args) {
        CommandLine line = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        line.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (parsed.hasMatchedOption("--stacktrace")) {
                ex.printStackTrace(err);
            } else {
                err.println(cmd.getCommandName() + ": " + describe(ex));
                err.println("(run with --stacktrace for the full trace" + (ex instanceof IllegalArgumentException
                        ? ", or --help for the options)" : ")"));
            }
            err.flush();
            return ex instanceof IllegalArgumentException ? cmd.getCommandSpec().exitCodeOnInvalidInput()
                    : cmd.getCommandSpec().exitCodeOnExecutionException();
        });
        return line.execute(args);
    }

    /** The failure's message, then each different message of its causes. */
    static String describe(Throwable ex) {
        StringBuilder sb = new StringBuilder(message(ex));
        String last = sb.toString();
        for (Throwable c = ex.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            String m = message(c);
            if (!last.contains(m)) {
                sb.append("\n  caused by: ").append(m);
            }
            last = m;
        }
        return sb.toString();
    }

    private static String message(Throwable t) {
        return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getName() : t.getMessage();
    }
}
