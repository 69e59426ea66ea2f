package dev.muster.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.muster.Address;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.membership.Message;
import dev.muster.membership.WireSize;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Every message survives the codec unchanged, and never takes more bytes than the core counted
 * for it: the core packs datagrams by {@link WireSize}, so a larger encoding would overflow them.
 */
class WireCodecRoundTripTest {

    private final WireCodec codec = new WireCodec();

    @Provide
    Arbitrary<Message> messages() {
        return WireArbitraries.messages(120);
    }

    @Provide
    Arbitrary<List<Message>> packets() {
        return WireArbitraries.packets(30, 8);
    }

    @Property
    void aFrameRoundTripsAndFitsTheEstimate(@ForAll("messages") Message m) throws WireException {
        Statistics.label("type").collect(m.getClass().getSimpleName());
        byte[] frame = codec.encodeFrame(m);

        assertThat(codec.decodeFrame(frame, 0, frame.length)).isEqualTo(m);
        assertThat(frame.length)
                .as("frame of %s must fit 2 header bytes + encodedSize() %d", m.getClass().getSimpleName(),
                        m.encodedSize())
                .isLessThanOrEqualTo(WireCodec.FRAME_HEADER_BYTES + m.encodedSize());
    }

    @Property(tries = 500)
    void aPacketRoundTripsAndFitsTheCoreAccounting(@ForAll("packets") List<Message> messages) throws WireException {
        Statistics.label("messages per packet").collect(messages.size() < 10 ? "1-9" : "10+");
        byte[] packet = codec.encodePacket(messages);

        DecodedPacket decoded = codec.decodePacket(packet, 0, packet.length);
        assertThat(decoded.messages()).containsExactlyElementsOf(messages);
        assertThat(decoded.skippedUnknown()).isZero();
        assertThat(packet.length).as("packet must fit WireSize.packet()").isLessThanOrEqualTo(WireSize.packet(messages));
    }

    @Property(tries = 200)
    void decodesFromTheMiddleOfALargerBuffer(@ForAll("packets") List<Message> messages) throws WireException {
        byte[] packet = codec.encodePacket(messages);
        byte[] buffer = new byte[packet.length + 20];
        java.util.Arrays.fill(buffer, (byte) 0xEE);
        System.arraycopy(packet, 0, buffer, 7, packet.length);

        assertThat(codec.decodePacket(buffer, 7, packet.length).messages()).containsExactlyElementsOf(messages);
    }

    /** One fixed, hand-written instance of each type: the table a reader checks the properties against. */
    @Example
    void eachTypeByExample() throws WireException {
        Address v4 = new Address("10.0.0.7", 7946);
        Address v6 = new Address("2001:db8::17", 65_535);
        Metadata meta = Metadata.of(Map.of("role", "db", "zone", "eu-1", "note", "", "名前", "ノード"));
        Message.Alive alive = new Message.Alive("node-ü-7", v6, Integer.MAX_VALUE, meta);
        List<Message.PushPull.Entry> all = new ArrayList<>();
        for (MemberState s : MemberState.values()) {
            all.add(new Message.PushPull.Entry(alive, s.ordinal(), s));
        }
        List<Message> table = List.of(
                new Message.Ping(Long.MIN_VALUE, "b", "a", v4),
                new Message.Ack(-1L, "b"),
                new Message.Nack(0, "relay"),
                new Message.PingReq(Long.MAX_VALUE, "c", v6, true, "a", v4),
                new Message.PingReq(1, "c", v6, false, "a", v4),
                alive,
                new Message.Alive("n", v4, 0, Metadata.EMPTY),
                new Message.Suspect("🦀-node", 3, "a"),
                new Message.Dead("x", 0, "x"),
                new Message.PushPull(true, false, all),
                new Message.PushPull(false, true, List.of()));
        for (Message m : table) {
            byte[] frame = codec.encodeFrame(m);
            assertThat(codec.decodeFrame(frame, 0, frame.length)).isEqualTo(m);
            assertThat(frame.length).isLessThanOrEqualTo(2 + m.encodedSize());
        }
        byte[] packet = codec.encodePacket(table);
        assertThat(codec.decodePacket(packet, 0, packet.length).messages()).containsExactlyElementsOf(table);
        assertThat(packet.length).isLessThanOrEqualTo(WireSize.packet(table));
    }

    @Example
    void aPushPullOfThousandsOfMembersFitsItsEstimate() throws WireException {
        List<Message.PushPull.Entry> entries = new ArrayList<>();
        MemberState[] states = MemberState.values();
        for (int i = 0; i < 5_000; i++) {
            Metadata meta = i % 3 == 0 ? Metadata.EMPTY : Metadata.of(Map.of("rack", "r" + (i % 40)));
            Message.Alive id = new Message.Alive("node-" + i, new Address("10.1." + (i / 256) % 256 + "." + i % 256,
                    7946), i, meta);
            entries.add(new Message.PushPull.Entry(id, i + 1, states[i % states.length]));
        }
        Message.PushPull pp = new Message.PushPull(false, true, entries);

        byte[] frame = codec.encodeFrame(pp);
        assertThat(codec.decodeFrame(frame, 0, frame.length)).isEqualTo(pp);
        assertThat(frame.length).isLessThanOrEqualTo(2 + pp.encodedSize());
    }

    @Example
    void anEmptyPacketIsValid() throws WireException {
        byte[] packet = codec.encodePacket(List.of());
        assertThat(packet).containsExactly(WireCodec.PROTOCOL_VERSION, WireCodec.COMPOUND, 0);
        assertThat(codec.decodePacket(packet, 0, packet.length)).isEqualTo(new DecodedPacket(List.of(), 0));
    }

    @Example
    void theFramingIsTheDocumentedBytes() {
        Message.Ack ack = new Message.Ack(5, "n");
        // ack body: seq (field 1, varint 5) then source (field 2, "n")
        byte[] body = {0x08, 0x05, 0x12, 0x01, 'n'};
        assertThat(codec.encodeFrame(ack)).containsExactly(concat(new byte[] {1, Message.TYPE_ACK}, body));
        assertThat(codec.encodePacket(List.of(ack, ack))).containsExactly(concat(
                new byte[] {1, 0, 2}, new byte[] {Message.TYPE_ACK, 5}, body, new byte[] {Message.TYPE_ACK, 5}, body));
    }

    /** What a peer would refuse is refused at the sender, with the rule in the message. */
    @Example
    void theEncoderRefusesWhatAPeerWouldRefuse() {
        Address a = new Address("10.0.0.1", 1);
        assertThatThrownBy(() -> codec.encodeFrame(new Message.Ack(1, "")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Ack: source is empty");
        assertThatThrownBy(() -> codec.encodePacket(List.of(new Message.Suspect("n", -1, "m"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("incarnation 4294967295 (int -1) must be between 0 and 2147483647");
        Message.Alive badIdentity = new Message.Alive("", a, 0, Metadata.EMPTY);
        assertThatThrownBy(() -> codec.encodeFrame(new Message.PushPull(false, false,
                List.of(new Message.PushPull.Entry(badIdentity, 0, MemberState.ALIVE)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PushPull entry 0 of 1: name is empty");
    }

    @Example
    void theEncoderRefusesBodiesAndPacketsOverTheLimits() {
        WireCodec small = new WireCodec(64);
        Message.Alive big = new Message.Alive("n", new Address("h", 1), 0, Metadata.of(Map.of("k", "v".repeat(100))));
        assertThatThrownBy(() -> small.encodeFrame(big)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than max message bytes 64");

        Message.Alive large = new Message.Alive("n", new Address("h", 1), 0, Metadata.of(Map.of("k", "v".repeat(30_000))));
        assertThatThrownBy(() -> codec.encodePacket(List.of(large, large, large)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("largest UDP payload 65507");
        assertThatThrownBy(() -> new WireCodec(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max message bytes (0) must be between 1 and 67108864");
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }
}
