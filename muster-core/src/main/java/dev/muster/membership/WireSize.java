package dev.muster.membership;

import java.nio.charset.StandardCharsets;

/**
 * Sizes of wire fields in the protobuf encoding, so the core can pack a packet without encoding
 * it. The codec of the transport must produce at most these sizes; its tests check that.
 */
public final class WireSize {

    /**
     * Datagram framing before the first message: protocol version (1 byte), compound marker
     * (1 byte) and message count (a varint, at most 2 bytes for the 64 messages a packet holds).
     */
    public static final int PACKET_HEADER_BYTES = 4;
    /** Per message in a datagram: its type id (1 byte) and body length (a varint, 2 bytes below 16 KiB). */
    public static final int MESSAGE_OVERHEAD_BYTES = 3;

    private WireSize() {}

    /** The datagram size the core accounts for when it packs these messages. */
    public static int packet(java.util.List<? extends Message> messages) {
        int size = PACKET_HEADER_BYTES;
        for (Message m : messages) {
            size += MESSAGE_OVERHEAD_BYTES + m.encodedSize();
        }
        return size;
    }

    /** Bytes of a UTF-8 string's text, without its length prefix. */
    public static int utf8Length(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return n;
    }

    /** Bytes of an unsigned varint. */
    public static int varint(long value) {
        int n = 1;
        long v = value;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    /** A length-delimited field (tag, length, body) whose body has {@code bodyBytes}. */
    public static int field(int bodyBytes) {
        return 1 + varint(bodyBytes) + bodyBytes;
    }

    /** A string field with a text of {@code utf8Bytes}. */
    public static int string(int utf8Bytes) {
        return field(utf8Bytes);
    }

    /** A string field. */
    public static int string(String s) {
        return field(utf8Length(s));
    }

    /** A varint field (tag and value). */
    public static int varintField(long value) {
        return 1 + varint(value);
    }
}
