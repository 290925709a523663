package dev.raylightning.tune.search;

/**
 * A value computed per trial by a function of the trial's other values; see
 * {@link SearchSpace#sampleFrom}.
 */
public record SampleFrom(SampleFunction function) implements Domain {

    private static final long serialVersionUID = 1L;

    public SampleFrom {
        if (function == null) {
            throw Args.bad("sampleFrom(null)", "function must not be null");
        }
    }

    @Override
    public String toString() {
        // A lambda's own toString is a synthetic class name, which helps no one.
        return "sampleFrom(<function>)";
    }
}
