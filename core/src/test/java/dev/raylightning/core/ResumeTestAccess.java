package dev.raylightning.core;

import dev.raylightning.core.checkpoint.NamedArray;

import java.util.List;

/** Exposes the weight comparison of {@link ResumeTest} to tests in other packages. */
public final class ResumeTestAccess {

    private ResumeTestAccess() {}

    public static void assertWeightsClose(List<NamedArray> expected, List<NamedArray> actual, double rel) {
        ResumeTest.assertWeightsClose(expected, actual, rel);
    }
}
