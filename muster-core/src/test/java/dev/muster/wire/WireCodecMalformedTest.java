package dev.muster.wire;

import static dev.muster.wire.WireCodecRoundTripTest.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.MessageLite;
import dev.muster.Address;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.membership.Message;
import dev.muster.wire.WireException.Reason;
import dev.muster.wire.proto.AckPb;
import dev.muster.wire.proto.AddressPb;
import dev.muster.wire.proto.AlivePb;
import dev.muster.wire.proto.MetadataPb;
import dev.muster.wire.proto.PingPb;
import dev.muster.wire.proto.PushPullEntryPb;
import dev.muster.wire.proto.PushPullPb;
import dev.muster.wire.proto.SuspectPb;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bytes a node must refuse, each with the reason it is refused for. The transport drops a
 * datagram or closes a stream on any {@link WireException}; the reason feeds its metrics.
 */
class WireCodecMalformedTest {

    private static final WireCodec CODEC = new WireCodec();

    private static final Address ADDRESS = new Address("10.0.0.1", 7946);
    private static final Message.Ack ACK = new Message.Ack(5, "n");
    private static final AddressPb ADDRESS_PB = AddressPb.newBuilder().setHost("10.0.0.1").setPort(7946).build();

    enum Kind { PACKET, FRAME }

    record Case(String name, Kind kind, byte[] bytes, Reason reason, String messagePart) {
        @Override public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        byte[] ackBody = MessageBodies.encode(ACK).toByteArray();
        return Stream.of(
                // framing
                packet("empty packet", new byte[0], Reason.TRUNCATED, "ends after 0 bytes"),
                frame("empty frame", new byte[0], Reason.TRUNCATED, "ends after 0 bytes"),
                packet("packet version 2", bytes(2, 0, 0), Reason.VERSION, "protocol version 2"),
                packet("packet version 0", bytes(0, 0, 0), Reason.VERSION, "protocol version 0"),
                frame("frame version 2", concat(bytes(2, Message.TYPE_ACK), ackBody), Reason.VERSION,
                        "protocol version 2 but this node speaks 1"),
                frame("frame of a version byte only", bytes(1), Reason.TRUNCATED, "type id"),
                packet("packet of a version byte only", bytes(1), Reason.TRUNCATED, "kind"),
                packet("unknown packet kind", bytes(1, 7, 0), Reason.UNKNOWN_TYPE, "packet kind 7 is unknown"),
                packet("no message count", bytes(1, 0), Reason.TRUNCATED, "message count"),
                packet("count beyond the data", bytes(1, 0, 100, 2, 0), Reason.TRUNCATED,
                        "declares 100 messages but only 2 bytes follow"),
                packet("huge count", concat(bytes(1, 0), varint(-1L)), Reason.TRUNCATED,
                        "declares 18446744073709551615 messages"),
                packet("length longer than data", concat(bytes(1, 0, 1, Message.TYPE_ACK, 10), ackBody),
                        Reason.TRUNCATED, "declares a body of 10 bytes but only 5 follow"),
                packet("length cut in its varint", bytes(1, 0, 1, Message.TYPE_ACK, 0x80), Reason.TRUNCATED,
                        "body length"),
                packet("length over max message bytes", concat(bytes(1, 0, 1, Message.TYPE_ACK), varint(2 << 20)),
                        Reason.OVERSIZED, "body of 2097152 bytes, more than max message bytes 1048576"),
                packet("length over 2^63", concat(bytes(1, 0, 1, Message.TYPE_ACK), varint(Long.MIN_VALUE)),
                        Reason.OVERSIZED, "body of 9223372036854775808 bytes"),
                packet("varint of 11 bytes", concat(bytes(1, 0, 1, Message.TYPE_ACK), repeat(0xFF, 10), bytes(1)),
                        Reason.MALFORMED, "varint longer than 10 bytes"),
                packet("datagram over the UDP maximum", new byte[WireCodec.MAX_PACKET_BYTES + 1], Reason.OVERSIZED,
                        "larger than the largest UDP payload 65507"),
                packet("bytes after the last message", concat(bytes(1, 0, 1, Message.TYPE_ACK, ackBody.length),
                        ackBody, bytes(0, 0)), Reason.MALFORMED, "2 bytes after the last of its 1 messages"),
                frame("unknown stream type", concat(bytes(1, 99), ackBody), Reason.UNKNOWN_TYPE, "frame type id 99"),
                frame("stream type 0", concat(bytes(1, 0), ackBody), Reason.UNKNOWN_TYPE, "frame type id 0"),
                frame("stream type 255", bytes(1, 255), Reason.UNKNOWN_TYPE, "frame type id 255"),
                // bodies: protobuf
                frame("not protobuf", bytes(1, Message.TYPE_ACK, 0xFF, 0xFF), Reason.MALFORMED, "not valid protobuf"),
                frame("string cut short", bytes(1, Message.TYPE_ACK, 0x12, 0x05, 'a'), Reason.MALFORMED,
                        "not valid protobuf"),
                frame("end-group tag without a start", bytes(1, Message.TYPE_ACK, 0x0C), Reason.MALFORMED,
                        "not valid protobuf"),
                frame("invalid UTF-8 in a name", bytes(1, Message.TYPE_ACK, 0x12, 0x02, 0xC3, 0x28), Reason.MALFORMED,
                        "UTF-8"),
                packet("invalid body inside a packet", bytes(1, 0, 1, Message.TYPE_ACK, 2, 0xFF, 0xFF),
                        Reason.MALFORMED, "Ack body of 2 bytes is not valid protobuf"),
                // bodies: required fields
                frame("empty name", frameOf(Message.TYPE_ALIVE,
                        AlivePb.newBuilder().setName("").setAddress(ADDRESS_PB).build()), Reason.MALFORMED,
                        "Alive: name is empty"),
                frame("empty ack source", frameOf(Message.TYPE_ACK, AckPb.newBuilder().setSeq(3).build()),
                        Reason.MALFORMED, "Ack: source is empty"),
                frame("empty suspect from", frameOf(Message.TYPE_SUSPECT,
                        SuspectPb.newBuilder().setName("a").setIncarnation(1).build()), Reason.MALFORMED,
                        "Suspect: from is empty"),
                frame("ping without its address", frameOf(Message.TYPE_PING,
                        PingPb.newBuilder().setSeq(1).setTarget("b").setSource("a").build()), Reason.MALFORMED,
                        "Ping source_address is missing"),
                frame("port 0", aliveAt(AddressPb.newBuilder().setHost("h").setPort(0).build()), Reason.MALFORMED,
                        "port 0 must be between 1 and 65535"),
                frame("port 70000", aliveAt(AddressPb.newBuilder().setHost("h").setPort(70_000).build()),
                        Reason.MALFORMED, "port 70000 must be between 1 and 65535"),
                frame("port 2^32-1", aliveAt(AddressPb.newBuilder().setHost("h").setPort(-1).build()),
                        Reason.MALFORMED, "port 4294967295 must be between 1 and 65535"),
                frame("empty host", aliveAt(AddressPb.newBuilder().setPort(1).build()), Reason.MALFORMED,
                        "host of 0 characters"),
                frame("host of 300 characters", aliveAt(AddressPb.newBuilder().setHost("h".repeat(300)).setPort(1)
                        .build()), Reason.MALFORMED, "host of 300 characters must have 1 to 253"),
                frame("incarnation 2^31 (uint32 overflow)", frameOf(Message.TYPE_ALIVE, AlivePb.newBuilder()
                        .setName("a").setAddress(ADDRESS_PB).setIncarnation(Integer.MIN_VALUE).build()),
                        Reason.MALFORMED, "incarnation 2147483648 (int -2147483648) must be between 0 and 2147483647"),
                frame("empty metadata key", frameOf(Message.TYPE_ALIVE, AlivePb.newBuilder().setName("a")
                        .setAddress(ADDRESS_PB).setMetadata(MetadataPb.newBuilder().putEntries("", "v")).build()),
                        Reason.MALFORMED, "metadata keys must be non-empty"),
                frame("zero state", pushPullWith(entry().setStateValue(0)), Reason.MALFORMED,
                        "PushPull entry 0: state 0 is unspecified or unknown"),
                frame("unknown state 99", pushPullWith(entry().setStateValue(99)), Reason.MALFORMED,
                        "state 99 is unspecified or unknown"),
                frame("entry identity incarnation overflow", pushPullWith(entry().setIdentityIncarnation(-5)),
                        Reason.MALFORMED, "PushPull entry 0 of 1: identity incarnation 4294967291"),
                frame("entry without address", pushPullWith(entry().clearAddress()), Reason.MALFORMED,
                        "PushPull entry 0 address is missing"),
                frame("deeply nested unknown groups", concat(bytes(1, Message.TYPE_ACK), nestedGroups(100_000)),
                        Reason.MALFORMED, "not valid protobuf"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refuses(Case c) {
        WireException e = catchThrowableOfType(WireException.class, () -> decode(c.kind(), c.bytes()));

        assertThat(e).as("%s must be refused with a WireException", c.name()).isNotNull();
        assertThat(e.reason()).as("reason for %s (message: %s)", c.name(), e.getMessage()).isEqualTo(c.reason());
        assertThat(e.getMessage()).contains(c.messagePart());
    }

    @Test
    void aPacketCutAtAnyByteIsTruncated() throws WireException {
        Metadata meta = Metadata.of(Map.of("role", "db", "zone", "eu-1"));
        List<Message> messages = List.of(
                new Message.Ping(300, "b", "a", ADDRESS),
                new Message.Alive("n", ADDRESS, 7, meta),
                new Message.PushPull(false, false, List.of(new Message.PushPull.Entry(
                        new Message.Alive("m", ADDRESS, 1, meta), 2, MemberState.SUSPECT))),
                ACK);
        byte[] packet = CODEC.encodePacket(messages);
        assertThat(CODEC.decodePacket(packet, 0, packet.length).messages()).hasSize(4);

        for (int cut = 0; cut < packet.length; cut++) {
            int length = cut;
            WireException e = catchThrowableOfType(WireException.class, () -> CODEC.decodePacket(packet, 0, length));
            assertThat(e).as("packet of %d bytes cut to %d", packet.length, cut).isNotNull();
            assertThat(e.reason()).as("packet cut to %d bytes: %s", cut, e.getMessage()).isEqualTo(Reason.TRUNCATED);
        }
    }

    /**
     * A frame has no length of its own (the stream's length prefix delimits it), so a cut inside
     * the body is either malformed protobuf or, at a field boundary, a different, shorter message.
     * A cut in the header is truncated. No cut gives back the original message.
     */
    @Test
    void aFrameCutAtAnyByteIsRefusedOrDiffers() {
        Metadata meta = Metadata.of(Map.of("role", "db"));
        List<Message> messages = List.of(
                new Message.PingReq(1L << 40, "c", ADDRESS, true, "a", ADDRESS),
                new Message.Alive("n", ADDRESS, 7, meta),
                new Message.Dead("x", 3, "y"),
                new Message.PushPull(true, true, List.of(
                        new Message.PushPull.Entry(new Message.Alive("m", ADDRESS, 1, meta), 2, MemberState.LEFT),
                        new Message.PushPull.Entry(new Message.Alive("o", ADDRESS, 0, Metadata.EMPTY), 0,
                                MemberState.ALIVE))));
        for (Message m : messages) {
            byte[] frame = CODEC.encodeFrame(m);
            for (int cut = 0; cut < frame.length; cut++) {
                int length = cut;
                String what = m.getClass().getSimpleName() + " frame of " + frame.length + " bytes cut to " + cut;
                try {
                    Message decoded = CODEC.decodeFrame(frame, 0, length);
                    assertThat(decoded).as(what).isNotEqualTo(m);
                } catch (WireException e) {
                    Reason expected = cut < WireCodec.FRAME_HEADER_BYTES ? Reason.TRUNCATED : Reason.MALFORMED;
                    assertThat(e.reason()).as("%s: %s", what, e.getMessage()).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aFrameOverMaxMessageBytesIsOversized() {
        WireCodec small = new WireCodec(16);
        byte[] frame = CODEC.encodeFrame(new Message.Ack(1, "a-name-of-twenty-bytes"));

        assertThatThrownBy(() -> small.decodeFrame(frame, 0, frame.length)).isInstanceOfSatisfying(
                WireException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OVERSIZED))
                .hasMessageContaining("larger than max message bytes 16");
    }

    @Test
    void aPacketSkipsAndCountsMessagesOfUnknownTypes() throws WireException {
        byte[] ackBody = MessageBodies.encode(ACK).toByteArray();
        byte[] packet = concat(bytes(1, 0, 4),
                bytes(Message.TYPE_ACK, ackBody.length), ackBody,
                bytes(200, 3, 'x', 'y', 'z'), // a type from a newer release: skipped by its length
                bytes(0, 0),                 // type 0 is no message type: skipped too
                bytes(Message.TYPE_ACK, ackBody.length), ackBody);

        assertThat(CODEC.decodePacket(packet, 0, packet.length)).isEqualTo(new DecodedPacket(List.of(ACK, ACK), 2));
    }

    @Test
    void unknownFieldsInABodyAreIgnored() throws WireException {
        byte[] ackBody = MessageBodies.encode(ACK).toByteArray();
        // field 15 (varint 1) and field 9 (string "new") that a newer release might add
        byte[] frame = concat(bytes(1, Message.TYPE_ACK), ackBody, bytes(0x78, 0x01, 0x4A, 3, 'n', 'e', 'w'));

        assertThat(CODEC.decodeFrame(frame, 0, frame.length)).isEqualTo(ACK);
    }

    @Test
    void anOffsetOutsideTheArrayIsTheCallersBug() {
        assertThatThrownBy(() -> CODEC.decodePacket(new byte[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> CODEC.decodeFrame(new byte[4], -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    // ------------------------------------------------------------------ helpers

    private static void decode(Kind kind, byte[] bytes) throws WireException {
        if (kind == Kind.PACKET) {
            CODEC.decodePacket(bytes, 0, bytes.length);
        } else {
            CODEC.decodeFrame(bytes, 0, bytes.length);
        }
    }

    private static Case packet(String name, byte[] bytes, Reason reason, String messagePart) {
        return new Case(name, Kind.PACKET, bytes, reason, messagePart);
    }

    private static Case frame(String name, byte[] bytes, Reason reason, String messagePart) {
        return new Case(name, Kind.FRAME, bytes, reason, messagePart);
    }

    private static byte[] frameOf(int type, MessageLite body) {
        return concat(bytes(1, type), body.toByteArray());
    }

    private static byte[] aliveAt(AddressPb address) {
        return frameOf(Message.TYPE_ALIVE, AlivePb.newBuilder().setName("a").setAddress(address).build());
    }

    private static PushPullEntryPb.Builder entry() {
        return PushPullEntryPb.newBuilder().setName("m").setAddress(ADDRESS_PB).setIdentityIncarnation(1)
                .setIncarnation(2).setStateValue(2);
    }

    private static byte[] pushPullWith(PushPullEntryPb.Builder entry) {
        return frameOf(Message.TYPE_PUSH_PULL, PushPullPb.newBuilder().addEntries(entry).build());
    }

    /** {@code depth} start-group tags of field 3: the CVE-2024-7254 stack-overflow input. */
    private static byte[] nestedGroups(int depth) {
        return repeat(0x1B, depth);
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static byte[] repeat(int value, int n) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, (byte) value);
        return out;
    }

    private static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }
}
