package dev.muster.wire;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import dev.muster.membership.Message;
import dev.muster.membership.WireSize;
import dev.muster.wire.WireException.Reason;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Encodes and decodes the membership {@link Message}s: many to a datagram (a probe with
 * piggybacked gossip), or one to a stream frame (a push-pull, a ping over TCP).
 *
 * <h2>Formats</h2>
 * <pre>
 * datagram (one UDP payload, at most {@value #MAX_PACKET_BYTES} bytes):
 *   +---------+----------+-------------+------------------------------------------+
 *   | version | compound | count       | count x  +------+--------------+------+ |
 *   | 1 byte  | 0x00     | varint      |          | type | body length  | body | |
 *   |         | 1 byte   | 1-2 bytes   |          | 1 B  | varint 1-3 B | pb   | |
 *   +---------+----------+-------------+----------+------+--------------+------+-+
 *
 * stream frame (the transport's 4-byte length prefix, LengthFieldPrepender, comes before it):
 *   +---------+------+-----------------------------------+
 *   | version | type | body: protobuf, to the frame's end |
 *   | 1 byte  | 1 B  |                                    |
 *   +---------+------+-----------------------------------+
 * </pre>
 * {@code version} is {@link #PROTOCOL_VERSION}; {@code type} is a {@code Message.TYPE_*} id;
 * {@code body} is the message's protobuf encoding ({@code membership.proto}); varints are
 * protobuf's unsigned base-128 varints.
 *
 * <h2>Why the framing is written by hand around protobuf bodies</h2>
 * <ul>
 *   <li><b>The core's size accounting.</b> The membership core packs gossip into a datagram by
 *       arithmetic, never by encoding: it adds {@link WireSize#PACKET_HEADER_BYTES} and, per
 *       message, {@link WireSize#MESSAGE_OVERHEAD_BYTES} plus {@link Message#encodedSize()}. This
 *       framing is exactly that sum, so the packet the core sized is the packet that is sent:
 *       {@code encodePacket(list).length <= WireSize.packet(list)}. One caveat, in WireSize: a body
 *       of 16 KiB or more needs a 3-byte length where it counts 2, and only the header's one byte of
 *       slack (a count below 128 takes 1 byte, not 2) absorbs that, once; so the bound holds while at
 *       most one body per packet is that large, which needs {@code maxMetadataBytes} above 16 KiB to
 *       happen at all. A protobuf envelope ({@code repeated oneof}) would add a tag and a length per
 *       message in ways that the core would have to mirror.</li>
 *   <li><b>Append-only type ids.</b> The type byte is the {@code Message.TYPE_*} id. In a datagram
 *       each body has a length, so a message of a type this node does not know (a newer peer
 *       appended it) is skipped and counted ({@link DecodedPacket#skippedUnknown()}) while the rest
 *       are read. A stream frame holds one message, so an unknown type there is refused
 *       ({@link Reason#UNKNOWN_TYPE}). Inside a body, protobuf ignores fields it does not know.</li>
 *   <li><b>A version on every datagram and frame.</b> UDP has no handshake, so each datagram must
 *       say which protocol it speaks; a node refuses another version before it parses anything
 *       ({@link Reason#VERSION}).</li>
 *   <li><b>The compound byte</b> leaves room for other datagram kinds (compressed, encrypted)
 *       without a version change; an unknown kind is {@link Reason#UNKNOWN_TYPE}.</li>
 * </ul>
 * A stream frame carries no length of its own: the stream's length prefix delimits it, and only a
 * whole frame may be decoded. (A frame cut at a protobuf field boundary can parse as a shorter
 * message, a push-pull with fewer entries, so a transport must not decode partial frames.)
 *
 * <h2>Limits</h2>
 * <ul>
 *   <li>A datagram is at most {@value #MAX_PACKET_BYTES} bytes, the largest UDP payload over
 *       IPv4; a larger one is {@link Reason#OVERSIZED}.</li>
 *   <li>A body (in a datagram or a frame) is at most {@link #maxMessageBytes()}, by default
 *       {@value #DEFAULT_MAX_MESSAGE_BYTES} bytes like {@code MembershipConfig.maxMessageBytes},
 *       never above {@value #MAX_MESSAGE_BYTES_CEILING}: a stream frame is held in memory whole.</li>
 *   <li>A declared length is checked against the limit ({@link Reason#OVERSIZED}) and then
 *       against the bytes that remain ({@link Reason#TRUNCATED}) before anything is allocated; a
 *       declared message count may not exceed the remaining bytes / {@value #MIN_MESSAGE_BYTES}.
 *       Varints are at most 10 bytes; a type id is one byte, so there is room for 255 types.</li>
 *   <li>Protobuf bounds nesting (100 levels, also for unknown groups) and validates UTF-8.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * Decoding throws only {@link WireException} for any content of the given bytes: wrong version,
 * truncated, malformed, unknown type, oversized. A caller's mistake is unchecked: null arguments,
 * an {@code offset}/{@code length} outside the array ({@link IndexOutOfBoundsException}), or
 * encoding a message a peer would refuse (an empty member name, a negative incarnation) or that is
 * over a limit ({@link IllegalArgumentException}).
 *
 * <p>Thread-safe: immutable and stateless; share one instance.
 */
public final class WireCodec {

    /** The protocol version this node speaks; the first byte of every datagram and frame. */
    public static final int PROTOCOL_VERSION = 1;
    /** Largest datagram: the largest UDP payload over IPv4 (65,535 - 8 UDP - 20 IP header bytes). */
    public static final int MAX_PACKET_BYTES = 65_507;
    /** Default largest body, the default of {@code MembershipConfig.maxMessageBytes} (1 MiB). */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;
    /** Ceiling of {@link #maxMessageBytes()}, the ceiling of {@code MembershipConfig.maxMessageBytes} (64 MiB). */
    public static final int MAX_MESSAGE_BYTES_CEILING = 64 << 20;

    /** Datagram kind after the version: a compound of messages. 0 is never a message type id. */
    static final int COMPOUND = 0;
    /** Bytes of a datagram before its first message: version and kind; the count varint follows. */
    private static final int PACKET_PREFIX_BYTES = 2;
    /** Bytes of a stream frame before its body: version and type id. */
    static final int FRAME_HEADER_BYTES = 2;
    /** Smallest message in a datagram: a type id and a zero body length. */
    static final int MIN_MESSAGE_BYTES = 2;

    private final int maxMessageBytes;

    /** A codec whose bodies may have up to {@value #DEFAULT_MAX_MESSAGE_BYTES} bytes. */
    public WireCodec() {
        this(DEFAULT_MAX_MESSAGE_BYTES);
    }

    /**
     * A codec whose bodies may have up to {@code maxMessageBytes}, normally the node's
     * {@code MembershipConfig.maxMessageBytes()}; 1 to {@value #MAX_MESSAGE_BYTES_CEILING}.
     */
    public WireCodec(int maxMessageBytes) {
        if (maxMessageBytes < 1 || maxMessageBytes > MAX_MESSAGE_BYTES_CEILING) {
            throw new IllegalArgumentException("max message bytes (" + maxMessageBytes + ") must be between 1 and "
                    + MAX_MESSAGE_BYTES_CEILING + " (64 MiB: a stream frame is held in memory whole)");
        }
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Largest body this codec encodes or accepts, in a datagram or a stream frame. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    // ------------------------------------------------------------------ datagrams

    /**
     * One datagram holding {@code messages} in order.
     *
     * @throws IllegalArgumentException if a message breaks a rule a peer checks (an empty member
     *     name, a negative incarnation), a body is over {@link #maxMessageBytes()} or the datagram
     *     over {@value #MAX_PACKET_BYTES} bytes
     */
    public byte[] encodePacket(List<? extends Message> messages) {
        int count = messages.size();
        MessageLite[] bodies = new MessageLite[count];
        long total = PACKET_PREFIX_BYTES + CodedOutputStream.computeUInt32SizeNoTag(count);
        for (int i = 0; i < count; i++) {
            bodies[i] = MessageBodies.encode(messages.get(i));
            int size = checkBodySize(messages.get(i), bodies[i]);
            total += 1 + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
        }
        if (total > MAX_PACKET_BYTES) {
            throw new IllegalArgumentException("a packet of " + count + " messages encodes to " + total
                    + " bytes, above the largest UDP payload " + MAX_PACKET_BYTES + " (core estimate "
                    + WireSize.packet(messages) + " bytes)");
        }
        byte[] out = new byte[(int) total];
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        write(cos, () -> {
            cos.writeRawByte((byte) PROTOCOL_VERSION);
            cos.writeRawByte((byte) COMPOUND);
            cos.writeUInt32NoTag(count);
            for (int i = 0; i < count; i++) {
                cos.writeRawByte((byte) messages.get(i).type());
                cos.writeUInt32NoTag(bodies[i].getSerializedSize());
                bodies[i].writeTo(cos);
            }
        });
        return out;
    }

    /**
     * Reads the datagram in {@code data[offset, offset + length)}. Messages of unknown type ids are
     * skipped and counted; everything else that is wrong refuses the whole datagram.
     *
     * @throws WireException for a wrong version, a datagram that is truncated, malformed, over
     *     {@value #MAX_PACKET_BYTES} bytes or holds a body over {@link #maxMessageBytes()}, or of
     *     an unknown kind
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} do not lie in {@code data}
     */
    public DecodedPacket decodePacket(byte[] data, int offset, int length) throws WireException {
        Objects.checkFromIndexSize(offset, length, data.length);
        if (length > MAX_PACKET_BYTES) {
            throw new WireException(Reason.OVERSIZED,
                    "packet of " + length + " bytes is larger than the largest UDP payload " + MAX_PACKET_BYTES);
        }
        ByteReader in = new ByteReader("packet", data, offset, length);
        checkVersion("packet", in.readByte("protocol version"));
        int kind = in.readByte("kind");
        if (kind != COMPOUND) {
            throw new WireException(Reason.UNKNOWN_TYPE, "packet kind " + kind + " is unknown; this node reads only "
                    + "compound packets (kind " + COMPOUND + ") — is the sender a newer release?");
        }
        long count = in.readVarint("message count");
        if (Long.compareUnsigned(count, in.remaining() / MIN_MESSAGE_BYTES) > 0) {
            throw new WireException(Reason.TRUNCATED, "packet declares " + Long.toUnsignedString(count)
                    + " messages but only " + in.remaining() + " bytes follow, and each message needs at least "
                    + MIN_MESSAGE_BYTES);
        }
        List<Message> messages = new ArrayList<>((int) count); // at most MAX_PACKET_BYTES / MIN_MESSAGE_BYTES
        int skipped = 0;
        for (int i = 0; i < count; i++) {
            int type = in.readByte("message type id");
            int size = readBodyLength(in, i, count);
            Message m = MessageBodies.decode(type, data, in.position(), size);
            in.skip(size);
            if (m == null) {
                skipped++;
            } else {
                messages.add(m);
            }
        }
        if (in.remaining() != 0) {
            throw new WireException(Reason.MALFORMED,
                    "packet has " + in.remaining() + " bytes after the last of its " + count + " messages");
        }
        return new DecodedPacket(messages, skipped);
    }

    // ------------------------------------------------------------------ stream frames

    /**
     * One stream frame holding {@code message}, without the stream's length prefix.
     *
     * @throws IllegalArgumentException if the message breaks a rule a peer checks or its body is
     *     over {@link #maxMessageBytes()}
     */
    public byte[] encodeFrame(Message message) {
        MessageLite body = MessageBodies.encode(message);
        int size = checkBodySize(message, body);
        byte[] out = new byte[FRAME_HEADER_BYTES + size];
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        write(cos, () -> {
            cos.writeRawByte((byte) PROTOCOL_VERSION);
            cos.writeRawByte((byte) message.type());
            body.writeTo(cos);
        });
        return out;
    }

    /**
     * Reads the stream frame in {@code data[offset, offset + length)}: a whole frame, as delimited
     * by the stream's length prefix.
     *
     * @throws WireException for a wrong version, a frame shorter than its header, an unknown type
     *     id, a body over {@link #maxMessageBytes()} or a malformed body
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} do not lie in {@code data}
     */
    public Message decodeFrame(byte[] data, int offset, int length) throws WireException {
        Objects.checkFromIndexSize(offset, length, data.length);
        ByteReader in = new ByteReader("frame", data, offset, length);
        checkVersion("frame", in.readByte("protocol version"));
        int type = in.readByte("type id");
        int size = in.remaining();
        if (size > maxMessageBytes) {
            throw new WireException(Reason.OVERSIZED, MessageBodies.typeName(type) + " frame body of " + size
                    + " bytes is larger than max message bytes " + maxMessageBytes);
        }
        Message m = MessageBodies.decode(type, data, in.position(), size);
        if (m == null) {
            throw new WireException(Reason.UNKNOWN_TYPE, "frame type id " + type + " is unknown; this node knows "
                    + Message.TYPE_PING + " to " + Message.TYPE_PUSH_PULL + " — is the sender a newer release?");
        }
        return m;
    }

    // ------------------------------------------------------------------ helpers

    private static void checkVersion(String kind, int version) throws WireException {
        if (version != PROTOCOL_VERSION) {
            throw new WireException(Reason.VERSION, kind + " has protocol version " + version
                    + " but this node speaks " + PROTOCOL_VERSION + " — is a peer running another muster release?");
        }
    }

    /** A body length varint, checked against the limit and then against the bytes that follow it. */
    private int readBodyLength(ByteReader in, int index, long count) throws WireException {
        long size = in.readVarint("message body length");
        if (Long.compareUnsigned(size, maxMessageBytes) > 0) {
            throw new WireException(Reason.OVERSIZED, "packet message " + (index + 1) + " of " + count
                    + " declares a body of " + Long.toUnsignedString(size) + " bytes, more than max message bytes "
                    + maxMessageBytes);
        }
        if (size > in.remaining()) {
            throw new WireException(Reason.TRUNCATED, "packet message " + (index + 1) + " of " + count
                    + " declares a body of " + size + " bytes but only " + in.remaining() + " follow");
        }
        return (int) size;
    }

    private int checkBodySize(Message m, MessageLite body) {
        int size = body.getSerializedSize();
        if (size > maxMessageBytes) {
            throw new IllegalArgumentException(MessageBodies.typeName(m.type()) + " encodes to " + size
                    + " bytes, more than max message bytes " + maxMessageBytes);
        }
        return size;
    }

    /** Writes into an array sized from getSerializedSize(), so it is filled exactly. */
    private static void write(CodedOutputStream cos, Writes writes) {
        try {
            writes.run();
        } catch (IOException e) {
            throw new IllegalStateException("protobuf wrote more than its getSerializedSize() promised", e);
        }
        cos.checkNoSpaceLeft();
    }

    @FunctionalInterface
    private interface Writes {
        void run() throws IOException;
    }
}
