package dev.raylightning.core.loggers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A tiny test-side protobuf decoder: field number to the raw values seen, in order. */
final class ProtoFields {

    private final Map<Integer, List<Object>> fields = new LinkedHashMap<>();

    private ProtoFields() {}

    /** Decodes one message; varints become Long, fixed64 Long, fixed32 Integer, others byte[]. */
    static ProtoFields parse(byte[] bytes) {
        ProtoFields msg = new ProtoFields();
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            long key = varint(in);
            int field = (int) (key >>> 3);
            Object value = switch ((int) (key & 7)) {
                case 0 -> varint(in);
                case 1 -> in.getLong();
                case 5 -> in.getInt();
                case 2 -> {
                    byte[] b = new byte[(int) varint(in)];
                    in.get(b);
                    yield b;
                }
                default -> throw new IllegalArgumentException("unsupported wire type in key " + key);
            };
            msg.fields.computeIfAbsent(field, k -> new ArrayList<>()).add(value);
        }
        return msg;
    }

    private static long varint(ByteBuffer in) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    boolean has(int field) {
        return fields.containsKey(field);
    }

    private Object single(int field) {
        List<Object> values = fields.get(field);
        if (values == null) {
            throw new IllegalArgumentException("field " + field + " absent; present: " + fields.keySet());
        }
        return values.get(values.size() - 1);
    }

    long varint(int field) {
        return (Long) single(field);
    }

    double doubleValue(int field) {
        return Double.longBitsToDouble((Long) single(field));
    }

    float floatValue(int field) {
        return Float.intBitsToFloat((Integer) single(field));
    }

    byte[] bytes(int field) {
        return (byte[]) single(field);
    }

    String string(int field) {
        return new String(bytes(field), StandardCharsets.UTF_8);
    }

    ProtoFields message(int field) {
        return parse(bytes(field));
    }

    List<ProtoFields> messages(int field) {
        List<ProtoFields> out = new ArrayList<>();
        for (Object o : fields.getOrDefault(field, List.of())) {
            out.add(parse((byte[]) o));
        }
        return out;
    }
}
