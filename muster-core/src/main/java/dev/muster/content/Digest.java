package dev.muster.content;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** A content's SHA-256, its key in every node's store. Immutable. */
public final class Digest implements Comparable<Digest> {

    public static final int BYTES = 32;

    private final byte[] bytes;
    private final int hash;

    private Digest(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** The digest of {@code content}. */
    public static Digest of(byte[] content) {
        try {
            return new Digest(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** A digest from its 32 bytes. */
    public static Digest ofBytes(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a digest is " + BYTES + " bytes, not " + bytes.length);
        }
        return new Digest(bytes.clone());
    }

    /**
     * A digest from its 64 hex digits, as {@link #toString()} writes it.
     *
     * @throws IllegalArgumentException naming the text and the rule
     */
    public static Digest parse(String hex) {
        if (hex == null || !hex.matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException("digest '" + hex + "' must be 64 hex digits (a SHA-256)");
        }
        return new Digest(HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT)));
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    /** True when {@code content} has this digest. */
    public boolean matches(byte[] content) {
        return equals(of(content));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && Arrays.equals(d.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(Digest o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    /** 64 lower-case hex digits. */
    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
