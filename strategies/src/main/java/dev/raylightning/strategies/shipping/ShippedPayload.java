package dev.raylightning.strategies.shipping;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A serialized object plus the bytecode of every class it needs that worker processes cannot
 * load themselves: classes defined in JShell or a notebook, or by any class loader other than
 * the application's. Workers define those classes in a private loader before reading the object.
 */
public final class ShippedPayload implements Serializable {

    private static final long serialVersionUID = 1L;

    private final byte[] object;
    private final LinkedHashMap<String, byte[]> classes;

    private ShippedPayload(byte[] object, LinkedHashMap<String, byte[]> classes) {
        this.object = object;
        this.classes = classes;
    }

    /** Serializes {@code value}, collecting the bytecode of classes the workers lack. */
    public static ShippedPayload of(Serializable value) {
        LinkedHashMap<String, byte[]> classes = new LinkedHashMap<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new CollectingOutputStream(bytes, classes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot ship " + value.getClass().getName()
                    + " to workers: it (or a field) is not serializable: " + e.getMessage(), e);
        }
        return new ShippedPayload(bytes.toByteArray(), classes);
    }

    /** This payload as bytes, to pass through Ray as a plain byte array. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads a payload written by {@link #toBytes()}. */
    public static ShippedPayload fromBytes(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (ShippedPayload) in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("corrupt payload", e);
        }
    }

    /** Names of the classes that travel as bytecode. */
    public java.util.Set<String> shippedClasses() {
        return java.util.Collections.unmodifiableSet(classes.keySet());
    }

    /** Size of the serialized object plus bytecode, in bytes. */
    public long size() {
        long n = object.length;
        for (byte[] b : classes.values()) {
            n += b.length;
        }
        return n;
    }

    /** An opened payload: the object, and the loader its classes came from (set it as the context loader). */
    public record Opened(Object value, ClassLoader loader) {}

    /** Reads the object back, defining shipped classes in a loader under {@code parent}. */
    public Opened open(ClassLoader parent) {
        ClassLoader loader = classes.isEmpty() ? parent : new ShippedClassLoader(parent, classes);
        try (ObjectInputStream in = new LoaderInputStream(new ByteArrayInputStream(object), loader)) {
            return new Opened(in.readObject(), loader);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read shipped object", e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("a class of the shipped object is missing on this worker: " + e.getMessage()
                    + " (is the jar that holds it on the driver's class path?)", e);
        }
    }

    /** Whether a worker, which loads the driver's class path, can load {@code c} by itself. */
    static boolean loadableByWorkers(Class<?> c) {
        ClassLoader cl = c.getClassLoader();
        if (cl == null || cl == ClassLoader.getPlatformClassLoader()) {
            return true;
        }
        try {
            return Class.forName(c.getName(), false, ClassLoader.getSystemClassLoader()) == c;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Adds the bytecode of {@code root} and of every class it refers to from the same loader. */
    static void collect(Class<?> root, Map<String, byte[]> into) {
        Deque<Class<?>> todo = new ArrayDeque<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            Class<?> c = todo.poll();
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (c.isPrimitive() || into.containsKey(c.getName()) || loadableByWorkers(c)) {
                continue;
            }
            byte[] bytes = bytecodeOf(c);
            into.put(c.getName(), bytes);
            try {
                for (String ref : ClassFileRefs.referencedClasses(bytes)) {
                    if (!into.containsKey(ref)) {
                        try {
                            todo.add(Class.forName(ref, false, c.getClassLoader()));
                        } catch (ClassNotFoundException | LinkageError e) {
                            // a name inside a signature string that is not a class we can see: skip
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the bytecode of " + c.getName(), e);
            }
        }
    }

    private static byte[] bytecodeOf(Class<?> c) {
        String resource = c.getName().replace('.', '/') + ".class";
        ClassLoader cl = c.getClassLoader();
        try (InputStream in = cl.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the bytecode of " + c.getName() + " is not available from its class loader "
                        + cl + "; put the class in a jar on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class CollectingOutputStream extends ObjectOutputStream {
        private final Map<String, byte[]> classes;

        CollectingOutputStream(ByteArrayOutputStream out, Map<String, byte[]> classes) throws IOException {
            super(out);
            this.classes = classes;
        }

        @Override
        protected void annotateClass(Class<?> cl) {
            collect(cl, classes);
        }
    }

    private static final class LoaderInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
