package dev.raylightning.core.collective.tcp;

/**
 * Unwinds a collective once the group's {@link FailureLatch} holds a failure (or the group
 * closes). Carries no information: the latch does. Stackless, so throwing it is cheap.
 */
final class RingStop extends RuntimeException {

    private static final long serialVersionUID = 1L;

    static final RingStop INSTANCE = new RingStop();

    private RingStop() {
        super(null, null, false, false);
    }
}
