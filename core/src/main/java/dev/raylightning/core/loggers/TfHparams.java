package dev.raylightning.core.loggers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The three hparams-plugin summaries ({@code experiment}, {@code session_start_info},
 * {@code session_end_info}) that {@code torch.utils.tensorboard.summary.hparams} produces and
 * Lightning writes, encoded from tensorboard/plugins/hparams/{api,plugin_data}.proto.
 */
final class TfHparams {

    static final String PLUGIN_NAME = "hparams";
    static final String EXPERIMENT_TAG = "_hparams_/experiment";
    static final String SESSION_START_INFO_TAG = "_hparams_/session_start_info";
    static final String SESSION_END_INFO_TAG = "_hparams_/session_end_info";

    // HParamsPluginData fields (version 0 is the default and so is left out).
    static final int DATA_EXPERIMENT = 2;
    static final int DATA_SESSION_START_INFO = 3;
    static final int DATA_SESSION_END_INFO = 4;
    // Experiment, HParamInfo, MetricInfo, MetricName.
    static final int EXPERIMENT_HPARAM_INFOS = 4;
    static final int EXPERIMENT_METRIC_INFOS = 5;
    static final int HPARAM_INFO_NAME = 1;
    static final int HPARAM_INFO_TYPE = 4;
    static final int METRIC_INFO_NAME = 1;
    static final int METRIC_NAME_TAG = 2;
    // SessionStartInfo map<string, google.protobuf.Value> and Value's oneof.
    static final int START_HPARAMS = 1;
    static final int MAP_KEY = 1;
    static final int MAP_VALUE = 2;
    static final int VALUE_NUMBER = 2;
    static final int VALUE_STRING = 3;
    static final int VALUE_BOOL = 4;
    // SessionEndInfo.
    static final int END_STATUS = 1;
    static final int STATUS_SUCCESS = 1;
    // DataType enum.
    static final int TYPE_STRING = 1;
    static final int TYPE_BOOL = 2;
    static final int TYPE_FLOAT64 = 3;

    private TfHparams() {}

    /**
     * Encodes the three events. {@code params} should be {@link #flatten flattened}; numbers,
     * booleans and strings keep their type, anything else is written as its {@code toString()}
     * and nulls are skipped.
     */
    static List<byte[]> events(double wallTime, Map<String, ?> params, Collection<String> metricTags) {
        ProtoWriter experiment = new ProtoWriter();
        ProtoWriter start = new ProtoWriter();
        params.forEach((key, raw) -> {
            if (raw == null) {
                return;
            }
            ProtoWriter value = new ProtoWriter();
            int type;
            if (raw instanceof Number n) {
                value.double64(VALUE_NUMBER, n.doubleValue());
                type = TYPE_FLOAT64;
            } else if (raw instanceof Boolean b) {
                value.bool(VALUE_BOOL, b);
                type = TYPE_BOOL;
            } else {
                value.string(VALUE_STRING, raw.toString());
                type = TYPE_STRING;
            }
            start.message(START_HPARAMS, new ProtoWriter().string(MAP_KEY, key).message(MAP_VALUE, value));
            experiment.message(EXPERIMENT_HPARAM_INFOS,
                    new ProtoWriter().string(HPARAM_INFO_NAME, key).int64(HPARAM_INFO_TYPE, type));
        });
        for (String tag : metricTags) {
            experiment.message(EXPERIMENT_METRIC_INFOS,
                    new ProtoWriter().message(METRIC_INFO_NAME, new ProtoWriter().string(METRIC_NAME_TAG, tag)));
        }
        ProtoWriter end = new ProtoWriter().int64(END_STATUS, STATUS_SUCCESS);

        List<byte[]> events = new ArrayList<>(3);
        events.add(event(wallTime, EXPERIMENT_TAG, DATA_EXPERIMENT, experiment));
        events.add(event(wallTime, SESSION_START_INFO_TAG, DATA_SESSION_START_INFO, start));
        events.add(event(wallTime, SESSION_END_INFO_TAG, DATA_SESSION_END_INFO, end));
        return events;
    }

    /**
     * Lightning's {@code _flatten_dict} then {@code _sanitize_params}: nested maps, and lists made
     * only of maps, flatten into {@code a/b} and {@code a/0/b} keys; numbers, booleans and strings
     * stay as they are and anything else (lists, null) becomes Python's {@code str()} of it, so
     * the hparams tab shows what Lightning would show.
     */
    static Map<String, Object> flatten(Map<String, ?> params) {
        Map<String, Object> out = new LinkedHashMap<>();
        flattenInto("", params, out);
        return out;
    }

    private static void flattenInto(String prefix, Map<?, ?> map, Map<String, Object> out) {
        map.forEach((k, v) -> {
            String key = prefix.isEmpty() ? String.valueOf(k) : prefix + "/" + k;
            if (v instanceof Map<?, ?> nested) {
                flattenInto(key, nested, out);
            } else if (v instanceof List<?> items && items.stream().allMatch(Map.class::isInstance)) {
                // Like Python's all(), an empty list qualifies, and so contributes no key.
                for (int i = 0; i < items.size(); i++) {
                    flattenInto(key + "/" + i, (Map<?, ?>) items.get(i), out);
                }
            } else if (v instanceof Number || v instanceof Boolean || v instanceof String) {
                out.put(key, v);
            } else {
                out.put(key, pythonStr(v));
            }
        });
    }

    /** Python's {@code str()} of a value already reduced to YAML-friendly types. */
    private static String pythonStr(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof Double || v instanceof Float) {
            return PythonFloats.repr(((Number) v).doubleValue());
        }
        if (v instanceof String text) {
            return pythonRepr(text);
        }
        if (v instanceof List<?> items) {
            StringJoiner joined = new StringJoiner(", ", "[", "]");
            items.forEach(x -> joined.add(pythonStr(x)));
            return joined.toString();
        }
        if (v instanceof Map<?, ?> map) {
            StringJoiner joined = new StringJoiner(", ", "{", "}");
            map.forEach((k, x) -> joined.add(pythonStr(k) + ": " + pythonStr(x)));
            return joined.toString();
        }
        return v.toString();
    }

    /** Python's repr of a str: single quotes unless only double quotes avoid escaping. */
    private static String pythonRepr(String text) {
        char quote = text.indexOf('\'') >= 0 && text.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder(text.length() + 2).append(quote);
        for (char c : text.toCharArray()) {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\');
                    }
                    out.append(c);
                }
            }
        }
        return out.append(quote).toString();
    }

    private static byte[] event(double wallTime, String tag, int dataField, ProtoWriter data) {
        byte[] content = new ProtoWriter().message(dataField, data).toByteArray();
        return TfEvents.pluginSummary(wallTime, tag, PLUGIN_NAME, content);
    }
}
