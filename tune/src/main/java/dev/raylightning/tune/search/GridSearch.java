package dev.raylightning.tune.search;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Values that every trial sample tries each of, as Ray's {@code tune.grid_search}. A value may
 * be a constant, a list of constants, or a map or domain that is itself resolved per trial, so
 * {@code gridSearch(Map.of("sgd", Map.of("momentum", uniform(0, 1))), Map.of("adam", Map.of()))}
 * describes a conditional space. See {@link SearchSpace#gridSearch(Object...)}.
 */
public record GridSearch(List<Object> values) implements Domain {

    private static final long serialVersionUID = 1L;

    /** @param values the values to try, in order; lists among them are single (constant) values */
    public GridSearch {
        String call = Args.call("gridSearch", values);
        if (values == null || values.isEmpty()) {
            throw Args.bad(call, "needs at least one value");
        }
        // Each value is checked on its own: a grid value may be a domain, but a list value is
        // a constant, which freezing a list checks.
        SpaceValues check = SpaceValues.space(call);
        List<Object> frozen = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            frozen.add(check.freeze(values.get(i), "values[" + i + "]"));
        }
        values = Collections.unmodifiableList(frozen);
    }

    /** How many variants this grid adds: one per value, or more when values hold grids. */
    public long size() {
        return GridExpander.count(this);
    }

    @Override
    public String toString() {
        return Args.call("gridSearch", values);
    }
}
