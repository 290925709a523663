package dev.raylightning.strategies.shipping;

import dev.raylightning.core.collective.shm.SharedMemoryGroup;
import dev.raylightning.strategies.RayDdpStrategy;
import io.ray.api.Ray;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ray's worker JVMs load the JNA that Ray's jar bundles (5.8.0) ahead of ours, so every JNA class,
 * method and field that the core and strategies code uses must exist in that JNA too: a newer call
 * would fail in workers only (as {@code Memory.close()} once did, silently turning the futex
 * barrier off). Reads every class file's constant pool and resolves its JNA references against
 * the classes of Ray's jar.
 */
class RayBundledJnaTest {

    private static final String JNA = "com/sun/jna/";

    /** A class, field or method of JNA that a class file names. */
    record Ref(String owner, String name, String descriptor, String from) {
        @Override
        public String toString() {
            return owner + (name == null ? "" : "." + name + descriptor) + " (in " + from + ")";
        }
    }

    @Test
    void everyJnaCallOfOurCodeExistsInTheJnaRayBundles() throws Exception {
        try (URLClassLoader rays = raysJna()) {
            List<Ref> refs = new ArrayList<>();
            for (Class<?> of : List.of(SharedMemoryGroup.class, RayDdpStrategy.class)) {
                refs.addAll(jnaRefs(Path.of(of.getProtectionDomain().getCodeSource().getLocation().toURI())));
            }
            assertTrue(refs.stream().anyMatch(r -> r.from().endsWith("Futex")), "read the futex code: " + refs);
            TreeSet<String> missing = new TreeSet<>();
            for (Ref r : refs) {
                if (!resolves(rays, r)) {
                    missing.add(r.toString());
                }
            }
            assertEquals(new TreeSet<>(), missing, "JNA calls that Ray's bundled JNA lacks");
            // the check can fail: JNA 5.12's Memory.close() is not in Ray's JNA
            assertTrue(!resolves(rays, new Ref(JNA + "Memory", "close", "()V", "this test")));
        }
    }

    /** A loader that sees only Ray's jar: its JNA classes, not ours. */
    private static URLClassLoader raysJna() throws Exception {
        URL ray = Ray.class.getProtectionDomain().getCodeSource().getLocation();
        URLClassLoader loader = new URLClassLoader(new URL[] {ray}, ClassLoader.getPlatformClassLoader());
        Class<?> version = loader.loadClass("com.sun.jna.Native");
        assertNotSame(com.sun.jna.Native.class, version, "Ray's jar carries its own JNA");
        return loader;
    }

    private static boolean resolves(ClassLoader loader, Ref r) {
        Class<?> owner;
        try {
            owner = Class.forName(r.owner().replace('/', '.'), false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        if (r.name() == null) {
            return true;
        }
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(owner));
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (r.descriptor().startsWith("(")) {
                List<Executable> all = new ArrayList<>(List.of(c.getDeclaredMethods()));
                all.addAll(List.of(c.getDeclaredConstructors()));
                for (Executable e : all) {
                    String name = e instanceof Constructor<?> ? "<init>" : e.getName();
                    if (name.equals(r.name()) && descriptor(e).equals(r.descriptor())) {
                        return true;
                    }
                }
            } else {
                for (Field f : c.getDeclaredFields()) {
                    if (f.getName().equals(r.name()) && descriptor(f.getType()).equals(r.descriptor())) {
                        return true;
                    }
                }
            }
            if (c.getSuperclass() != null) {
                todo.add(c.getSuperclass());
            }
            todo.addAll(List.of(c.getInterfaces()));
        }
        return false;
    }

    private static String descriptor(Executable e) {
        StringBuilder b = new StringBuilder("(");
        for (Class<?> p : e.getParameterTypes()) {
            b.append(descriptor(p));
        }
        return b.append(')').append(e instanceof Method m ? descriptor(m.getReturnType()) : "V").toString();
    }

    private static String descriptor(Class<?> t) {
        return t.descriptorString();
    }

    /** JNA references of every class file under a folder or in a jar. */
    private static List<Ref> jnaRefs(Path location) throws IOException {
        List<Ref> out = new ArrayList<>();
        if (Files.isDirectory(location)) {
            scan(location, out);
        } else {
            try (FileSystem jar = FileSystems.newFileSystem(location)) {
                scan(jar.getPath("/"), out);
            }
        }
        return out;
    }

    private static void scan(Path root, List<Ref> out) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String from = root.relativize(f).toString().replace(".class", "").replace('/', '.');
                out.addAll(refs(Files.readAllBytes(f), from));
            }
        }
    }

    /** Class, field and method references to JNA in one class file. */
    static List<Ref> refs(byte[] classFile, String from) throws IOException {
        List<Ref> out = new ArrayList<>();
        for (String c : ClassFileRefs.referencedClasses(classFile)) {
            if (c.startsWith("com.sun.jna.")) {
                out.add(new Ref(c.replace('.', '/'), null, null, from));
            }
        }
        for (ClassFileRefs.MemberRef m : ClassFileRefs.memberRefs(classFile)) {
            if (m.owner().startsWith(JNA)) {
                out.add(new Ref(m.owner(), m.name(), m.descriptor(), from));
            }
        }
        return out;
    }
}
