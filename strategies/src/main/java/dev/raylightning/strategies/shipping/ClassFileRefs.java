package dev.raylightning.strategies.shipping;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lists the class names a class file refers to, from its constant pool: class entries and the
 * {@code L...;} types inside descriptors and signatures. Used to find which classes must travel
 * with a shipped class.
 */
final class ClassFileRefs {

    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L([A-Za-z_$][\\w$/]*);");

    private ClassFileRefs() {}

    /** Binary names (dotted) of referenced classes; arrays are reduced to their element class. */
    static Set<String> referencedClasses(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 3, 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++;
                }
                case 7 -> classNameIndex[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 9, 10, 11, 12, 17, 18 -> in.readInt();
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at " + i);
            }
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 1; i < count; i++) {
            if (classNameIndex[i] != 0 && utf8[classNameIndex[i]] != null) {
                String n = utf8[classNameIndex[i]];
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
        for (String s : utf8) {
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
