package dev.raylightning.core.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An immutable n-dimensional array read from an IDX file (the MNIST / Fashion-MNIST format).
 *
 * <p>The elements are kept as the file's raw big-endian bytes, so a 60k&times;28&times;28 ubyte image
 * set costs 47 MB rather than four times that as floats; converters decode on demand.
 *
 * @see IdxReader
 */
public final class IdxArray {

    /** The element types of the IDX format, keyed by the third byte of the magic number. */
    public enum Type {
        /** Unsigned 8-bit integer (code 0x08); images and labels use this. */
        UBYTE(0x08, 1),
        /** Signed 8-bit integer (code 0x09). */
        BYTE(0x09, 1),
        /** Signed 16-bit big-endian integer (code 0x0B). */
        SHORT(0x0B, 2),
        /** Signed 32-bit big-endian integer (code 0x0C). */
        INT(0x0C, 4),
        /** 32-bit big-endian IEEE float (code 0x0D). */
        FLOAT(0x0D, 4),
        /** 64-bit big-endian IEEE double (code 0x0E). */
        DOUBLE(0x0E, 8);

        private final int code;
        private final int bytes;

        Type(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        /** The type byte as it appears in the file header. */
        public int code() {
            return code;
        }

        /** Bytes per element. */
        public int bytesPerElement() {
            return bytes;
        }

        /** Whether values are whole numbers, i.e. {@link IdxArray#toLongs()} is allowed. */
        public boolean isIntegral() {
            return this != FLOAT && this != DOUBLE;
        }

        /** The type with header byte {@code code}, or {@code null} when the format has none. */
        static Type fromCode(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            return null;
        }
    }

    private final Type type;
    private final int[] shape;
    private final byte[] data;

    /** Wraps {@code data} without copying; the reader hands over a buffer nobody else holds. */
    IdxArray(Type type, int[] shape, byte[] data) {
        long n = elementCount(shape);
        if (n * type.bytesPerElement() != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + type
                    + " needs " + n * type.bytesPerElement() + " bytes, got " + data.length);
        }
        this.type = type;
        this.shape = shape.clone();
        this.data = data;
    }

    static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** The dimensions, outermost first, e.g. {@code [60000, 28, 28]}; a copy. */
    public int[] shape() {
        return shape.clone();
    }

    /** The element type from the file header. */
    public Type type() {
        return type;
    }

    /** The number of elements (product of all dimensions). */
    public long size() {
        return data.length / type.bytesPerElement();
    }

    /** The first dimension: the number of images or labels. */
    public int count() {
        return shape[0];
    }

    /** Elements per item (product of all but the first dimension), e.g. 784 for 28&times;28 images. */
    public int itemSize() {
        return Math.toIntExact(elementCount(Arrays.copyOfRange(shape, 1, shape.length)));
    }

    /**
     * All elements as floats multiplied by {@code scale}, in file (row-major) order. Use
     * {@code 1f / 255} to map ubyte pixels to [0, 1]; UBYTE is read as unsigned 0..255.
     */
    public float[] toFloats(float scale) {
        int n = (int) size();
        float[] out = new float[n];
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        switch (type) {
            case UBYTE -> unsignedBytesToFloats(data, scale, out);
            case BYTE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data[i] * scale;
                }
            }
            case SHORT -> {
                for (int i = 0; i < n; i++) {
                    out[i] = buf.getShort(2 * i) * scale;
                }
            }
            case INT -> {
                for (int i = 0; i < n; i++) {
                    out[i] = buf.getInt(4 * i) * scale;
                }
            }
            case FLOAT -> {
                for (int i = 0; i < n; i++) {
                    out[i] = buf.getFloat(4 * i) * scale;
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) (buf.getDouble(8 * i) * scale);
                }
            }
        }
        return out;
    }

    // The hot case (image pixels) in its own small method, which the JIT compiles far sooner than
    // a loop inside the big switch: the first 47M-pixel conversion takes ~0.15 s instead of ~0.5 s.
    private static void unsignedBytesToFloats(byte[] data, float scale, float[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (data[i] & 0xFF) * scale;
        }
    }

    /**
     * All elements as longs, in file order: the form class labels take for a loss function.
     *
     * @throws UnsupportedOperationException for FLOAT and DOUBLE arrays, which would need rounding
     */
    public long[] toLongs() {
        if (!type.isIntegral()) {
            throw new UnsupportedOperationException("toLongs() needs an integral IDX type, this array is " + type);
        }
        int n = (int) size();
        long[] out = new long[n];
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case UBYTE -> data[i] & 0xFF;
                case BYTE -> data[i];
                case SHORT -> buf.getShort(2 * i);
                default -> buf.getInt(4 * i);
            };
        }
        return out;
    }

    /** A copy of the element bytes exactly as stored in the file (big-endian), without the header. */
    public byte[] rawBytes() {
        return data.clone();
    }

    @Override
    public String toString() {
        return "IdxArray[" + type + " " + Arrays.toString(shape) + "]";
    }
}
