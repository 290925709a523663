package dev.raylightning.core.strategy;

import java.util.List;

/**
 * A fit failed more often than its {@link RecoveryPolicy#maxFailures()} allows. Lists every
 * failure in order (each names its rank and cause); the last one is the cause.
 */
public final class RecoveryExhaustedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<RuntimeException> failures;

    public RecoveryExhaustedException(int maxFailures, List<RuntimeException> failures) {
        super(message(maxFailures, failures), failures.get(failures.size() - 1));
        this.failures = List.copyOf(failures);
    }

    /** Every failure of the fit, in the order they happened. */
    public List<RuntimeException> failures() {
        return failures;
    }

    private static String message(int maxFailures, List<RuntimeException> failures) {
        StringBuilder sb = new StringBuilder("The fit failed ").append(failures.size())
                .append(failures.size() == 1 ? " time" : " times").append(", more than maxFailures(")
                .append(maxFailures).append(") allows:");
        for (int i = 0; i < failures.size(); i++) {
            sb.append("\n  ").append(i + 1).append(". ").append(failures.get(i).getMessage());
        }
        return sb.toString();
    }
}
