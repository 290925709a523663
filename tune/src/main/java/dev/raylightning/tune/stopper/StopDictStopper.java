package dev.raylightning.tune.stopper;

import static dev.raylightning.core.util.Checks.checkArgument;

import dev.raylightning.tune.TrialResult;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** Ray's {@code stop={...}} dict: a trial stops once any key's value is at least its criterion. */
final class StopDictStopper implements Stopper {

    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, Double> criteria = new LinkedHashMap<>();

    StopDictStopper(Map<String, ? extends Number> criteria) {
        checkArgument(criteria != null, "stop criteria must not be null");
        criteria.forEach((key, value) -> {
            checkArgument(key != null && !key.isBlank(), "stop criteria keys must be result keys, got '" + key + "'");
            checkArgument(value != null && !(Double.isNaN(value.doubleValue())),
                    "stop criterion for '" + key + "' must be a number, got " + value);
            this.criteria.put(key, value.doubleValue());
        });
    }

    @Override
    public boolean stopTrial(String trialId, TrialResult result) {
        // Every key is checked, even after one is met, so a misspelt key fails on the first result.
        boolean stop = false;
        for (Map.Entry<String, Double> c : criteria.entrySet()) {
            double value = result.require(c.getKey(), "stop criterion");
            stop |= value >= c.getValue();
        }
        return stop;
    }

    @Override
    public String toString() {
        if (criteria.isEmpty()) {
            return "StopDict(never)";
        }
        StringJoiner j = new StringJoiner(" or ", "StopDict(stop a trial when ", ")");
        criteria.forEach((k, v) -> j.add(k + " >= " + StopperText.format(v)));
        return j.toString();
    }
}
