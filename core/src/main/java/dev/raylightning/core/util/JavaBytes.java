package dev.raylightning.core.util;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.UncheckedIOException;

/**
 * Java serialization to and from byte arrays: what crosses process boundaries (Ray calls between
 * driver, trial actors and workers, broadcasts between ranks). Reading resolves classes through
 * the thread's context class loader first, so classes shipped as bytecode (JShell) are found.
 */
public final class JavaBytes {

    private JavaBytes() {}

    /** The serialized form of {@code o}. */
    public static byte[] write(Object o) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("could not serialize " + o.getClass().getName(), e);
        }
    }

    /** The object {@link #write} serialized. */
    public static Object read(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                ClassLoader tccl = Thread.currentThread().getContextClassLoader();
                if (tccl != null) {
                    try {
                        return Class.forName(desc.getName(), false, tccl);
                    } catch (ClassNotFoundException e) {
                        // fall back to the usual lookup
                    }
                }
                return super.resolveClass(desc);
            }
        }) {
            return in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read a serialized reply", e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("a serialized reply needs a class this process lacks: " + e.getMessage(), e);
        }
    }
}
