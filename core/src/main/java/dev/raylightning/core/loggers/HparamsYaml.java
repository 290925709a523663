package dev.raylightning.core.loggers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Represent;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Writes {@code hparams.yaml} the way Lightning does with plain PyYAML ({@code yaml.dump}): block
 * style, keys sorted at every level, floats spelled as PyYAML spells them ({@code 1.0e-05}).
 */
final class HparamsYaml {

    static final String FILE_NAME = "hparams.yaml";

    private HparamsYaml() {}

    /** Writes the map to {@code dir/hparams.yaml}, replacing it atomically. */
    static void write(Path dir, Map<String, Object> hparams) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        options.setAllowUnicode(false); // PyYAML escapes non-ASCII by default
        Yaml yaml = new Yaml(new PyYamlFloats(options), options);
        Path target = dir.resolve(FILE_NAME);
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        try {
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                yaml.dump(sortedCopy(hparams), out);
            }
            LogDirs.replace(tmp, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** PyYAML's {@code yaml.dump} sorts keys by default, at every nesting level. */
    private static Object sortedCopy(Object v) {
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new TreeMap<>();
            map.forEach((k, x) -> out.put(String.valueOf(k), sortedCopy(x)));
            return out;
        }
        if (v instanceof List<?> items) {
            return items.stream().map(HparamsYaml::sortedCopy).toList();
        }
        return v;
    }

    /** Represents doubles as PyYAML does: Python's repr, lower case, with ".0" before a bare exponent. */
    private static final class PyYamlFloats extends Representer {
        PyYamlFloats(DumperOptions options) {
            super(options);
            Represent floats = data -> representScalar(Tag.FLOAT, pyYamlFloat(((Number) data).doubleValue()));
            representers.put(Double.class, floats);
            representers.put(Float.class, floats);
        }

        private static String pyYamlFloat(double v) {
            if (Double.isNaN(v)) {
                return ".nan";
            }
            if (Double.isInfinite(v)) {
                return v > 0 ? ".inf" : "-.inf";
            }
            String repr = PythonFloats.repr(v);
            // "1e-05" alone is not a YAML 1.1 float; PyYAML writes "1.0e-05".
            return repr.indexOf('.') < 0 && repr.indexOf('e') >= 0 ? repr.replaceFirst("e", ".0e") : repr;
        }
    }

    /**
     * Deep-copies params into plain YAML types (maps with string keys, lists, strings, numbers,
     * booleans, null) so SnakeYAML never emits Java class tags; anything else becomes its
     * {@code toString()}.
     */
    static Map<String, Object> sanitize(Map<String, ?> params) {
        Map<String, Object> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(String.valueOf(k), sanitizeValue(v)));
        return out;
    }

    private static Object sanitizeValue(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
                || v instanceof Double || v instanceof Float || v instanceof BigInteger) {
            return v;
        }
        if (v instanceof BigDecimal || v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        if (v instanceof Character || v instanceof CharSequence) {
            return v.toString();
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, x) -> out.put(String.valueOf(k), sanitizeValue(x)));
            return out;
        }
        if (v instanceof Collection<?> items) {
            List<Object> out = new ArrayList<>(items.size());
            items.forEach(x -> out.add(sanitizeValue(x)));
            return out;
        }
        if (v.getClass().isArray()) {
            int n = Array.getLength(v);
            List<Object> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(sanitizeValue(Array.get(v, i)));
            }
            return out;
        }
        return v.toString();
    }
}
