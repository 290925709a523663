package dev.raylightning.core.collective;

import static dev.raylightning.core.util.Checks.checkArgument;

import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A random 128-bit token shared by the ranks of one launch, and only by them: whoever starts the
 * ranks creates it once and hands it to every rank. It never goes on the wire or into a file name
 * itself; ranks use values {@link #derive derived} from it (HMAC-SHA256): a ring hello carries
 * one as proof of membership, shared-memory files are named by others.
 */
public final class GroupSecret implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;
    /** Length of the token in bytes. */
    public static final int BYTES = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;

    private GroupSecret(byte[] key) {
        checkArgument(key.length == BYTES, "a group secret has %s bytes, got %s", BYTES, key.length);
        this.key = key.clone();
    }

    /** A fresh secret from a cryptographically strong generator. */
    public static GroupSecret random() {
        byte[] key = new byte[BYTES];
        RANDOM.nextBytes(key);
        return new GroupSecret(key);
    }

    /** The secret written by {@link #toHex()}; refuses anything but 32 hex digits. */
    public static GroupSecret fromHex(String hex) {
        checkArgument(hex != null && hex.matches("[0-9a-fA-F]{" + 2 * BYTES + "}"),
                "a group secret is %s hex digits", 2 * BYTES);
        return new GroupSecret(HexFormat.of().parseHex(hex));
    }

    /** The secret itself, for handing it to a rank over a private channel (never log it). */
    public String toHex() {
        return HexFormat.of().formatHex(key);
    }

    /**
     * HMAC-SHA256 of {@code purpose} and {@code values} under this secret: unpredictable without
     * the secret, and one derived value tells nothing about another or about the secret.
     */
    public byte[] derive(String purpose, long... values) {
        byte[] p = purpose.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(4 + p.length + values.length * Long.BYTES);
        data.putInt(p.length).put(p);
        for (long v : values) {
            data.putLong(v);
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(data.array(), 0, data.position());
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** {@link #derive} cut to {@code bytes} bytes, as lower-case hex. */
    public String deriveHex(int bytes, String purpose, long... values) {
        return HexFormat.of().formatHex(derive(purpose, values), 0, bytes);
    }

    /** Whether {@code a} and {@code b} are equal, in time independent of where they differ. */
    public static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    @Serial
    private void readObject(ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (key == null || key.length != BYTES) {
            throw new InvalidObjectException("a group secret has " + BYTES + " bytes");
        }
    }

    /** Hides the value: secrets end up in logs through toString. */
    @Override
    public String toString() {
        return "GroupSecret[hidden]";
    }
}
