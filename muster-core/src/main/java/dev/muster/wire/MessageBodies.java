package dev.muster.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.muster.Address;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.membership.Message;
import dev.muster.wire.WireException.Reason;
import dev.muster.wire.proto.AckPb;
import dev.muster.wire.proto.AddressPb;
import dev.muster.wire.proto.AlivePb;
import dev.muster.wire.proto.DeadPb;
import dev.muster.wire.proto.MemberStatePb;
import dev.muster.wire.proto.MetadataPb;
import dev.muster.wire.proto.NackPb;
import dev.muster.wire.proto.PingPb;
import dev.muster.wire.proto.PingReqPb;
import dev.muster.wire.proto.PushPullEntryPb;
import dev.muster.wire.proto.PushPullPb;
import dev.muster.wire.proto.SuspectPb;
import java.util.ArrayList;
import java.util.List;

/**
 * Membership messages to and from their protobuf bodies ({@code membership.proto}), and the rules a
 * body must meet beyond protobuf: member names are non-empty, incarnations lie in
 * 0..{@link Integer#MAX_VALUE} (a uint32 above that is refused, not wrapped), addresses are present
 * with a host of 1..{@value Address#MAX_HOST_LENGTH} characters and a port of 1..65535, a push-pull
 * state is a known one (0, unspecified, is refused). The same rules stop the encoder from sending
 * what a peer would refuse, so a bad message fails at its sender.
 *
 * <p>To add a message type: a case in {@link #encode}, {@link #decode} and {@link #typeName}, with
 * a new, appended type id.
 *
 * <p>Stateless and thread-safe. The generated protobuf classes stay behind this class.
 */
final class MessageBodies {

    private MessageBodies() {}

    /** The protobuf body of {@code m}. Throws {@link IllegalArgumentException} when a peer would refuse it. */
    static MessageLite encode(Message m) {
        String problem = violation(m);
        if (problem != null) {
            throw new IllegalArgumentException("cannot encode " + problem);
        }
        return switch (m) {
            case Message.Ping p -> PingPb.newBuilder().setSeq(p.seq()).setTarget(p.target()).setSource(p.source())
                    .setSourceAddress(address(p.sourceAddress())).build();
            case Message.Ack a -> AckPb.newBuilder().setSeq(a.seq()).setSource(a.source()).build();
            case Message.Nack n -> NackPb.newBuilder().setSeq(n.seq()).setSource(n.source()).build();
            case Message.PingReq r -> PingReqPb.newBuilder().setSeq(r.seq()).setTarget(r.target())
                    .setTargetAddress(address(r.targetAddress())).setWantNack(r.wantNack()).setSource(r.source())
                    .setSourceAddress(address(r.sourceAddress())).build();
            case Message.Alive a -> {
                AlivePb.Builder b = AlivePb.newBuilder().setName(a.name()).setAddress(address(a.address()))
                        .setIncarnation(a.incarnation());
                if (!a.metadata().isEmpty()) { // an empty metadata costs nothing, as encodedSize() counts it
                    b.setMetadata(metadata(a.metadata()));
                }
                yield b.build();
            }
            case Message.Suspect s -> SuspectPb.newBuilder().setName(s.name()).setIncarnation(s.incarnation())
                    .setFrom(s.from()).build();
            case Message.Dead d -> DeadPb.newBuilder().setName(d.name()).setIncarnation(d.incarnation())
                    .setFrom(d.from()).build();
            case Message.PushPull p -> {
                PushPullPb.Builder b = PushPullPb.newBuilder().setJoin(p.join()).setReply(p.reply());
                for (Message.PushPull.Entry e : p.entries()) {
                    b.addEntries(entry(e));
                }
                yield b.build();
            }
        };
    }

    /**
     * Decodes a body of type id {@code type} from {@code data[offset, offset + length)}, which the
     * caller has bounds-checked. Returns null when {@code type} is not a membership message type;
     * the caller decides whether that is skipped (datagram) or refused (stream frame).
     */
    static Message decode(int type, byte[] data, int offset, int length) throws WireException {
        Message m;
        try {
            m = switch (type) {
                case Message.TYPE_PING -> ping(PingPb.parser().parseFrom(data, offset, length));
                case Message.TYPE_ACK -> ack(AckPb.parser().parseFrom(data, offset, length));
                case Message.TYPE_NACK -> nack(NackPb.parser().parseFrom(data, offset, length));
                case Message.TYPE_PING_REQ -> pingReq(PingReqPb.parser().parseFrom(data, offset, length));
                case Message.TYPE_ALIVE -> alive(AlivePb.parser().parseFrom(data, offset, length));
                case Message.TYPE_SUSPECT -> suspect(SuspectPb.parser().parseFrom(data, offset, length));
                case Message.TYPE_DEAD -> dead(DeadPb.parser().parseFrom(data, offset, length));
                case Message.TYPE_PUSH_PULL -> pushPull(PushPullPb.parser().parseFrom(data, offset, length));
                default -> null;
            };
        } catch (InvalidProtocolBufferException e) {
            throw new WireException(Reason.MALFORMED,
                    typeName(type) + " body of " + length + " bytes is not valid protobuf: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // Metadata.of (an empty key) or a record constructor refused a decoded value.
            throw new WireException(Reason.MALFORMED, typeName(type) + " body holds a refused value: " + e.getMessage(), e);
        }
        if (m != null) {
            String problem = violation(m);
            if (problem != null) {
                throw new WireException(Reason.MALFORMED, problem);
            }
        }
        return m;
    }

    /** The name of a type id for messages: "Ping", or "type 42" when unknown. */
    static String typeName(int type) {
        return switch (type) {
            case Message.TYPE_PING -> "Ping";
            case Message.TYPE_ACK -> "Ack";
            case Message.TYPE_NACK -> "Nack";
            case Message.TYPE_PING_REQ -> "PingReq";
            case Message.TYPE_ALIVE -> "Alive";
            case Message.TYPE_SUSPECT -> "Suspect";
            case Message.TYPE_DEAD -> "Dead";
            case Message.TYPE_PUSH_PULL -> "PushPull";
            default -> "type " + type;
        };
    }

    // ------------------------------------------------------------------ rules

    /** The first rule {@code m} breaks, as a sentence naming the type and field, or null. */
    static String violation(Message m) {
        return switch (m) {
            case Message.Ping p -> in("Ping", first(name("target", p.target()), name("source", p.source())));
            case Message.Ack a -> in("Ack", name("source", a.source()));
            case Message.Nack n -> in("Nack", name("source", n.source()));
            case Message.PingReq r -> in("PingReq", first(name("target", r.target()), name("source", r.source())));
            case Message.Alive a -> in("Alive", identity(a));
            case Message.Suspect s -> in("Suspect",
                    first(name("name", s.name()), incarnation("incarnation", s.incarnation()), name("from", s.from())));
            case Message.Dead d -> in("Dead",
                    first(name("name", d.name()), incarnation("incarnation", d.incarnation()), name("from", d.from())));
            case Message.PushPull p -> {
                List<Message.PushPull.Entry> entries = p.entries();
                for (int i = 0; i < entries.size(); i++) {
                    Message.PushPull.Entry e = entries.get(i);
                    String problem = first(identity(e.identity()), incarnation("incarnation", e.incarnation()));
                    if (problem != null) {
                        yield "PushPull entry " + i + " of " + entries.size() + ": " + problem;
                    }
                }
                yield null;
            }
        };
    }

    private static String identity(Message.Alive a) {
        return first(name("name", a.name()), incarnation("identity incarnation", a.incarnation()));
    }

    private static String name(String field, String value) {
        return value.isEmpty() ? field + " is empty; a member name needs at least one character" : null;
    }

    private static String incarnation(String field, int value) {
        return value < 0
                ? field + " " + Integer.toUnsignedString(value) + " (int " + value + ") must be between 0 and "
                        + Integer.MAX_VALUE
                : null;
    }

    private static String first(String... problems) {
        for (String p : problems) {
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static String in(String type, String problem) {
        return problem == null ? null : type + ": " + problem;
    }

    // ------------------------------------------------------------------ record -> protobuf

    private static AddressPb address(Address a) {
        return AddressPb.newBuilder().setHost(a.host()).setPort(a.port()).build();
    }

    private static MetadataPb metadata(Metadata m) {
        return MetadataPb.newBuilder().putAllEntries(m.asMap()).build();
    }

    private static PushPullEntryPb entry(Message.PushPull.Entry e) {
        Message.Alive id = e.identity();
        PushPullEntryPb.Builder b = PushPullEntryPb.newBuilder().setName(id.name()).setAddress(address(id.address()))
                .setIdentityIncarnation(id.incarnation()).setIncarnation(e.incarnation()).setState(state(e.state()));
        if (!id.metadata().isEmpty()) {
            b.setMetadata(metadata(id.metadata()));
        }
        return b.build();
    }

    /** Explicit, not by ordinal, so reordering the Java enum cannot change the wire. */
    private static MemberStatePb state(MemberState s) {
        return switch (s) {
            case JOINING -> MemberStatePb.MEMBER_STATE_JOINING;
            case ALIVE -> MemberStatePb.MEMBER_STATE_ALIVE;
            case SUSPECT -> MemberStatePb.MEMBER_STATE_SUSPECT;
            case DEAD -> MemberStatePb.MEMBER_STATE_DEAD;
            case LEAVING -> MemberStatePb.MEMBER_STATE_LEAVING;
            case LEFT -> MemberStatePb.MEMBER_STATE_LEFT;
        };
    }

    // ------------------------------------------------------------------ protobuf -> record

    private static Message.Ping ping(PingPb pb) throws WireException {
        return new Message.Ping(pb.getSeq(), pb.getTarget(), pb.getSource(),
                address("Ping source_address", pb.hasSourceAddress(), pb.getSourceAddress()));
    }

    private static Message.Ack ack(AckPb pb) {
        return new Message.Ack(pb.getSeq(), pb.getSource());
    }

    private static Message.Nack nack(NackPb pb) {
        return new Message.Nack(pb.getSeq(), pb.getSource());
    }

    private static Message.PingReq pingReq(PingReqPb pb) throws WireException {
        return new Message.PingReq(pb.getSeq(), pb.getTarget(),
                address("PingReq target_address", pb.hasTargetAddress(), pb.getTargetAddress()), pb.getWantNack(),
                pb.getSource(), address("PingReq source_address", pb.hasSourceAddress(), pb.getSourceAddress()));
    }

    private static Message.Alive alive(AlivePb pb) throws WireException {
        return new Message.Alive(pb.getName(), address("Alive address", pb.hasAddress(), pb.getAddress()),
                pb.getIncarnation(), metadata(pb.hasMetadata(), pb.getMetadata()));
    }

    private static Message.Suspect suspect(SuspectPb pb) {
        return new Message.Suspect(pb.getName(), pb.getIncarnation(), pb.getFrom());
    }

    private static Message.Dead dead(DeadPb pb) {
        return new Message.Dead(pb.getName(), pb.getIncarnation(), pb.getFrom());
    }

    private static Message.PushPull pushPull(PushPullPb pb) throws WireException {
        int n = pb.getEntriesCount();
        List<Message.PushPull.Entry> entries = new ArrayList<>(n); // n <= body bytes: protobuf parsed them all
        for (int i = 0; i < n; i++) {
            PushPullEntryPb e = pb.getEntries(i);
            Message.Alive identity = new Message.Alive(e.getName(),
                    address("PushPull entry " + i + " address", e.hasAddress(), e.getAddress()),
                    e.getIdentityIncarnation(), metadata(e.hasMetadata(), e.getMetadata()));
            entries.add(new Message.PushPull.Entry(identity, e.getIncarnation(), state(i, e)));
        }
        return new Message.PushPull(pb.getJoin(), pb.getReply(), entries);
    }

    private static Address address(String field, boolean present, AddressPb pb) throws WireException {
        if (!present) {
            throw new WireException(Reason.MALFORMED, field + " is missing");
        }
        int port = pb.getPort();
        if (port < 1 || port > 65_535) {
            throw new WireException(Reason.MALFORMED,
                    field + " port " + Integer.toUnsignedString(port) + " must be between 1 and 65535");
        }
        // Checked here so the error names the length, not a host of up to 64 KiB.
        int hostLength = pb.getHost().length();
        if (hostLength < 1 || hostLength > Address.MAX_HOST_LENGTH) {
            throw new WireException(Reason.MALFORMED, field + " host of " + hostLength
                    + " characters must have 1 to " + Address.MAX_HOST_LENGTH);
        }
        return new Address(pb.getHost(), port);
    }

    private static Metadata metadata(boolean present, MetadataPb pb) {
        return present ? Metadata.of(pb.getEntriesMap()) : Metadata.EMPTY;
    }

    private static MemberState state(int entry, PushPullEntryPb e) throws WireException {
        return switch (e.getState()) {
            case MEMBER_STATE_JOINING -> MemberState.JOINING;
            case MEMBER_STATE_ALIVE -> MemberState.ALIVE;
            case MEMBER_STATE_SUSPECT -> MemberState.SUSPECT;
            case MEMBER_STATE_DEAD -> MemberState.DEAD;
            case MEMBER_STATE_LEAVING -> MemberState.LEAVING;
            case MEMBER_STATE_LEFT -> MemberState.LEFT;
            case MEMBER_STATE_UNSPECIFIED, UNRECOGNIZED -> throw new WireException(Reason.MALFORMED,
                    "PushPull entry " + entry + ": state " + e.getStateValue()
                            + " is unspecified or unknown; the known states are 1 (JOINING) to 6 (LEFT)");
        };
    }
}
