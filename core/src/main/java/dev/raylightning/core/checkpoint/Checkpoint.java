package dev.raylightning.core.checkpoint;

import dev.raylightning.core.optim.ParameterOptimizer;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to continue a run exactly: weights, optimizer state, the loop position,
 * callback states, the module's hyper-parameters and extra entries. {@link CheckpointIO} defines
 * the file format.
 */
public final class Checkpoint implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Version of the on-disk format written by this library. */
    public static final int FORMAT_VERSION = 1;

    private final String moduleClass;
    private final LoopPosition loop;
    private final ModelState weights;
    private final ParameterOptimizer.State optimizer;
    private final Map<String, Object> hyperParameters;
    private final Map<String, Map<String, Object>> callbackStates;
    private final Map<String, Object> extra;

    public Checkpoint(String moduleClass, LoopPosition loop, ModelState weights, ParameterOptimizer.State optimizer,
            Map<String, Object> hyperParameters, Map<String, Map<String, Object>> callbackStates,
            Map<String, Object> extra) {
        this.moduleClass = moduleClass;
        this.loop = loop;
        this.weights = weights;
        this.optimizer = optimizer;
        this.hyperParameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperParameters));
        this.callbackStates = Collections.unmodifiableMap(new LinkedHashMap<>(callbackStates));
        this.extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
    }

    public String moduleClass() {
        return moduleClass;
    }

    public LoopPosition loop() {
        return loop;
    }

    public ModelState weights() {
        return weights;
    }

    public Optional<ParameterOptimizer.State> optimizer() {
        return Optional.ofNullable(optimizer);
    }

    public Map<String, Object> hyperParameters() {
        return hyperParameters;
    }

    public Map<String, Map<String, Object>> callbackStates() {
        return callbackStates;
    }

    public Map<String, Object> extra() {
        return extra;
    }
}
