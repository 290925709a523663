package dev.raylightning.strategies.shipping;

import org.junit.jupiter.api.Test;

import java.io.Serializable;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ShippedPayloadTest {

    record Point(int x, int y) implements Serializable {}

    @Test
    void classesOnTheClassPathTravelByNameOnly() {
        ShippedPayload p = ShippedPayload.of(new Point(1, 2));
        assertEquals(Set.of(), p.shippedClasses());
        ShippedPayload.Opened opened = ShippedPayload.fromBytes(p.toBytes()).open(getClass().getClassLoader());
        assertEquals(new Point(1, 2), opened.value());
        assertSame(getClass().getClassLoader(), opened.loader(), "nothing shipped: no loader of its own");
    }

    @Test
    void classesFromAForeignLoaderTravelAsBytecodeWithWhatTheyReference() throws Exception {
        // compile-free: load this test's Point and a helper through an isolated loader, as JShell would
        ClassLoader isolated = new IsolatingLoader(getClass().getClassLoader(), Set.of(Holder.class.getName(), Point.class.getName()));
        Class<?> holderClass = Class.forName(Holder.class.getName(), true, isolated);
        Object holder = holderClass.getConstructor().newInstance();
        assertFalse(ShippedPayload.loadableByWorkers(holderClass));
        ShippedPayload p = ShippedPayload.of((Serializable) holder);
        assertTrue(p.shippedClasses().contains(Holder.class.getName()), p.shippedClasses().toString());
        assertTrue(p.shippedClasses().contains(Point.class.getName()), "referenced from Holder's code: " + p.shippedClasses());
        // a worker's loader: sees the class path, but not classes that no jar holds
        ClassLoader worker = new ClassLoader("worker", getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(Holder.class.getName()) || name.equals(Point.class.getName())) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        };
        ShippedPayload.Opened opened = ShippedPayload.fromBytes(p.toBytes()).open(worker);
        Object back = opened.value();
        assertEquals("ray-lightning-shipped", back.getClass().getClassLoader().getName());
        assertSame(back.getClass().getClassLoader(), opened.loader());
        assertEquals("3", back.toString());
    }

    public static final class Holder implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Map<String, Integer> values = new java.util.HashMap<>(Map.of("a", 1));

        @Override
        public String toString() {
            Point p = new Point(values.get("a"), 2);
            return String.valueOf(p.x() + p.y());
        }
    }

    /** Loads the named classes itself (child-first) from the parent's class files. */
    static final class IsolatingLoader extends ClassLoader {
        private final Set<String> own;

        IsolatingLoader(ClassLoader parent, Set<String> own) {
            super("isolated", parent);
            this.own = own;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!own.contains(name)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try (var in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        byte[] b = in.readAllBytes();
                        c = defineClass(name, b, 0, b.length);
                    } catch (java.io.IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                return c;
            }
        }

        @Override
        public java.io.InputStream getResourceAsStream(String name) {
            return getParent().getResourceAsStream(name);
        }
    }
}
