/**
 * Search spaces for hyper-parameter tuning, after Ray Tune's {@code ray.tune.search}: sampling
 * domains ({@link dev.raylightning.tune.search.SearchSpace#loguniform}, {@code choice},
 * {@code gridSearch}, {@code sampleFrom}, ...), a checked {@link dev.raylightning.tune.search.SearchSpace},
 * and {@link dev.raylightning.tune.search.VariantGenerator}, which turns a space into
 * {@link dev.raylightning.tune.TrialConfig}s the way Ray's basic variant generator does.
 */
package dev.raylightning.tune.search;
