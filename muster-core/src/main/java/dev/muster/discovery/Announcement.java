package dev.muster.discovery;

import dev.muster.Address;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * What a node multicasts so others on the LAN can find it: its cluster, its name, and the
 * address where its membership protocol listens. Immutable.
 *
 * <p>Wire format, version 1 (big-endian, at most {@link #MAX_BYTES}):
 * <pre>
 *   4 bytes  magic "MUSD" (Muster seed discovery)
 *   1 byte   version, 1
 *   1 byte   n, then n bytes: cluster name, UTF-8, 1..255 bytes
 *   1 byte   n, then n bytes: node name, UTF-8, 1..255 bytes
 *   1 byte   n, then n bytes: advertised host, an IP literal or DNS name (ASCII)
 *   2 bytes  advertised port, 1..65535
 * </pre>
 * A later revision may append fields; version 1 readers ignore bytes after the port, so only an
 * incompatible change raises the version. Decoding never throws: every datagram maps to an
 * announcement or to one {@link Rejection}.
 *
 * @param clusterName the cluster the node belongs to; nodes of other clusters are ignored
 * @param nodeName the node's unique name in its cluster
 * @param address where the node's membership protocol listens
 */
record Announcement(String clusterName, String nodeName, Address address) {

    /**
     * Largest datagram read and the largest announcement written: three short strings and a
     * port fit easily, and a reader never holds more than this per datagram.
     */
    static final int MAX_BYTES = 512;

    static final int VERSION = 1;
    private static final byte[] MAGIC = {'M', 'U', 'S', 'D'};
    private static final int MAX_STRING_BYTES = 255; // one length byte
    /** Host names and IP literals (with an IPv6 zone); nothing a resolver or a log would trip over. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:%-]+");

    /** Why a datagram is not an announcement this node can use. */
    enum Rejection {
        /** Longer than {@link #MAX_BYTES}. */
        OVERSIZED,
        /** Not a Muster announcement at all: no magic. */
        FOREIGN,
        /** A Muster announcement of a version this node does not read (a newer node). */
        UNSUPPORTED_VERSION,
        /** Magic and version right, content broken: truncated, bad UTF-8, a bad host or port. */
        MALFORMED
    }

    /** The outcome of decoding one datagram. */
    sealed interface Decoded permits Valid, Rejected {}

    record Valid(Announcement announcement) implements Decoded {}

    record Rejected(Rejection reason) implements Decoded {}

    Announcement {
        String problem = problem(clusterName, nodeName, address.host());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * The datagram payload.
     *
     * @throws IllegalArgumentException when it would exceed {@link #MAX_BYTES}, naming the size
     */
    byte[] encode() {
        byte[] cluster = clusterName.getBytes(StandardCharsets.UTF_8);
        byte[] node = nodeName.getBytes(StandardCharsets.UTF_8);
        byte[] host = address.host().getBytes(StandardCharsets.US_ASCII);
        int size = MAGIC.length + 1 + 1 + cluster.length + 1 + node.length + 1 + host.length + 2;
        if (size > MAX_BYTES) {
            throw new IllegalArgumentException("the multicast announcement of node '" + nodeName + "' in cluster '"
                    + clusterName + "' at " + address + " takes " + size + " bytes, more than the " + MAX_BYTES
                    + "-byte limit: shorten the cluster or node name");
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(MAGIC).put((byte) VERSION);
        for (byte[] string : new byte[][] {cluster, node, host}) {
            out.put((byte) string.length).put(string);
        }
        out.putShort((short) address.port());
        return out.array();
    }

    /** Reads one datagram from {@code in} (moving its reader index); never throws. */
    static Decoded decode(ByteBuf in) {
        int size = in.readableBytes();
        if (size > MAX_BYTES) {
            return new Rejected(Rejection.OVERSIZED);
        }
        if (size < MAGIC.length) {
            return new Rejected(Rejection.FOREIGN);
        }
        for (byte b : MAGIC) {
            if (in.readByte() != b) {
                return new Rejected(Rejection.FOREIGN);
            }
        }
        if (!in.isReadable()) {
            return new Rejected(Rejection.MALFORMED);
        }
        if (in.readUnsignedByte() != VERSION) {
            return new Rejected(Rejection.UNSUPPORTED_VERSION);
        }
        String cluster = readString(in);
        String node = readString(in);
        String host = readString(in);
        if (cluster == null || node == null || host == null || in.readableBytes() < 2) {
            return new Rejected(Rejection.MALFORMED);
        }
        int port = in.readUnsignedShort();
        // bytes after the port are fields of a later revision: ignored
        if (port == 0 || problem(cluster, node, host) != null) {
            return new Rejected(Rejection.MALFORMED);
        }
        return new Valid(new Announcement(cluster, node, new Address(host, port)));
    }

    /** What is wrong with these fields, or null. The port is checked by {@link Address}. */
    private static String problem(String clusterName, String nodeName, String host) {
        if (!fitsLengthByte(clusterName)) {
            return "cluster name '" + clusterName + "' must be 1 to " + MAX_STRING_BYTES + " bytes of UTF-8";
        }
        if (!fitsLengthByte(nodeName)) {
            return "node name '" + nodeName + "' must be 1 to " + MAX_STRING_BYTES + " bytes of UTF-8";
        }
        if (!HOST.matcher(host).matches()) {
            return "advertised host '" + host + "' must be an IP address or a DNS name"
                    + " (letters, digits and . - _ : % only)";
        }
        return null;
    }

    private static boolean fitsLengthByte(String s) {
        int bytes = s.getBytes(StandardCharsets.UTF_8).length;
        return bytes >= 1 && bytes <= MAX_STRING_BYTES;
    }

    /** A length-prefixed strict UTF-8 string, or null when it is empty, truncated or not UTF-8. */
    private static String readString(ByteBuf in) {
        if (!in.isReadable()) {
            return null;
        }
        int length = in.readUnsignedByte();
        if (length == 0 || in.readableBytes() < length) {
            return null;
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in.nioBuffer(in.readerIndex(), length))
                    .toString();
            in.skipBytes(length);
            return s;
        } catch (CharacterCodingException e) {
            return null; // the caller rejects the datagram as MALFORMED
        }
    }
}
