package dev.raylightning.strategies.shipping;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lists the class names a class file refers to, from its constant pool: class entries and the
 * {@code L...;} types inside descriptors and signatures. Used to find which classes must travel
 * with a shipped class; tests also read the field and method references.
 */
final class ClassFileRefs {

    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L([A-Za-z_$][\\w$/]*);");

    /** A field or method a class file names: owner in internal form ({@code a/b/C}), name, descriptor. */
    record MemberRef(String owner, String name, String descriptor) {}

    /** The entries of a constant pool this reads; index 0 and the second slots of longs stay empty. */
    private record Pool(String[] utf8, int[] classIndex, int[][] member, int[][] nameAndType) {

        String className(int index) {
            return utf8[classIndex[index]];
        }
    }

    private ClassFileRefs() {}

    private static Pool read(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        Pool pool = new Pool(new String[count], new int[count], new int[count][], new int[count][]);
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> pool.utf8[i] = in.readUTF();
                case 3, 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++;
                }
                case 7 -> pool.classIndex[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 9, 10, 11 -> pool.member[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                case 12 -> pool.nameAndType[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                case 17, 18 -> in.readInt();
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at " + i);
            }
        }
        return pool;
    }

    /** The fields and methods (constructors too) a class file names, in constant pool order. */
    static List<MemberRef> memberRefs(byte[] classFile) throws IOException {
        Pool pool = read(classFile);
        List<MemberRef> out = new ArrayList<>();
        for (int[] m : pool.member) {
            if (m != null) {
                int[] nt = pool.nameAndType[m[1]];
                out.add(new MemberRef(pool.className(m[0]), pool.utf8[nt[0]], pool.utf8[nt[1]]));
            }
        }
        return out;
    }

    /** Binary names (dotted) of referenced classes; arrays are reduced to their element class. */
    static Set<String> referencedClasses(byte[] classFile) throws IOException {
        Pool pool = read(classFile);
        Set<String> names = new LinkedHashSet<>();
        for (int i = 1; i < pool.classIndex.length; i++) {
            if (pool.classIndex[i] != 0 && pool.className(i) != null) {
                String n = pool.className(i);
                if (n.startsWith("[")) {
                    Matcher m = DESCRIPTOR_TYPE.matcher(n);
                    while (m.find()) {
                        names.add(m.group(1).replace('/', '.'));
                    }
                } else {
                    names.add(n.replace('/', '.'));
                }
            }
        }
        for (String s : pool.utf8) {
            if (s != null && s.indexOf(';') > 0) {
                Matcher m = DESCRIPTOR_TYPE.matcher(s);
                while (m.find()) {
                    names.add(m.group(1).replace('/', '.'));
                }
            }
        }
        return names;
    }
}
