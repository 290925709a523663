package dev.raylightning.tune.search;

import java.util.List;
import java.util.Random;

/**
 * One of a list of constant options, each equally likely, returned as given (an {@code Integer}
 * option stays an {@code Integer}). See {@link SearchSpace#choice(Object...)}.
 */
public record Choice(List<Object> options) implements RandomDomain {

    private static final long serialVersionUID = 1L;

    /** @param options constants (numbers, strings, booleans, enums, null, lists and maps of those) */
    @SuppressWarnings("unchecked")
    public Choice {
        String call = Args.call("choice", options);
        if (options == null || options.isEmpty()) {
            throw Args.bad(call, "needs at least one option");
        }
        options = (List<Object>) SpaceValues.constants(call).freeze(options, "options");
    }

    @Override
    public Object sample(Random rng) {
        return options.get(rng.nextInt(options.size()));
    }

    @Override
    public String toString() {
        return Args.call("choice", options);
    }
}
