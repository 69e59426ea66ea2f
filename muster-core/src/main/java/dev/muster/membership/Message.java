package dev.muster.membership;

import dev.muster.Address;
import dev.muster.MemberState;
import dev.muster.Metadata;
import java.util.List;
import java.util.Objects;

/**
 * The messages of the membership protocol. Records are immutable, so a simulator may hand the
 * same instance to many nodes.
 *
 * <p>Wire type ids: ONLY APPEND TO THIS LIST, never renumber or reuse an id.
 * <pre>
 *   1 Ping   2 Ack   3 Nack   4 PingReq   5 Alive   6 Suspect   7 Dead   8 PushPull
 * </pre>
 * {@link #encodedSize()} is the size in the protobuf encoding (an upper bound the codec honours),
 * used to pack packets without encoding them.
 */
public sealed interface Message {

    int TYPE_PING = 1;
    int TYPE_ACK = 2;
    int TYPE_NACK = 3;
    int TYPE_PING_REQ = 4;
    int TYPE_ALIVE = 5;
    int TYPE_SUSPECT = 6;
    int TYPE_DEAD = 7;
    int TYPE_PUSH_PULL = 8;

    /** The wire type id. */
    int type();

    /** Bytes of this message's body on the wire (without the packet framing). */
    int encodedSize();

    private static int addressSize(Address a) {
        return WireSize.field(WireSize.string(a.host()) + WireSize.varintField(a.port()));
    }

    /** Is the sender there? Asks {@code target} (by name, so a reused address is not fooled) for an ack. */
    record Ping(long seq, String target, String source, Address sourceAddress) implements Message {
        public Ping {
            Objects.requireNonNull(target);
            Objects.requireNonNull(source);
            Objects.requireNonNull(sourceAddress);
        }

        @Override public int type() { return TYPE_PING; }

        @Override public int encodedSize() {
            return WireSize.varintField(seq) + WireSize.string(target) + WireSize.string(source)
                    + addressSize(sourceAddress);
        }
    }

    /** Answer to a ping with the same sequence number; forwarded by the relay of an indirect probe. */
    record Ack(long seq, String source) implements Message {
        public Ack {
            Objects.requireNonNull(source);
        }

        @Override public int type() { return TYPE_ACK; }

        @Override public int encodedSize() {
            return WireSize.varintField(seq) + WireSize.string(source);
        }
    }

    /** Lifeguard: a relay could not reach the target, but the relay itself is fine. */
    record Nack(long seq, String source) implements Message {
        public Nack {
            Objects.requireNonNull(source);
        }

        @Override public int type() { return TYPE_NACK; }

        @Override public int encodedSize() {
            return WireSize.varintField(seq) + WireSize.string(source);
        }
    }

    /** Please probe {@code target} for me and forward its ack (SWIM indirect probe). */
    record PingReq(long seq, String target, Address targetAddress, boolean wantNack, String source,
                   Address sourceAddress) implements Message {
        public PingReq {
            Objects.requireNonNull(target);
            Objects.requireNonNull(targetAddress);
            Objects.requireNonNull(source);
            Objects.requireNonNull(sourceAddress);
        }

        @Override public int type() { return TYPE_PING_REQ; }

        @Override public int encodedSize() {
            return WireSize.varintField(seq) + WireSize.string(target) + addressSize(targetAddress) + 2
                    + WireSize.string(source) + addressSize(sourceAddress);
        }
    }

    /** Member {@code name} is alive at {@code address} with this incarnation and metadata. */
    record Alive(String name, Address address, int incarnation, Metadata metadata, int encodedSize)
            implements Message {
        /**
         * {@code encodedSize} is derived: whatever is passed, the size computed from the other
         * components is stored. It is kept because every node that learns a member sizes its
         * alive message twice (table and gossip queue), 2 x 10^8 times at 10,000 simulated nodes,
         * and computing it reads the name, address and host string (cache misses each).
         */
        public Alive {
            Objects.requireNonNull(name);
            Objects.requireNonNull(address);
            Objects.requireNonNull(metadata);
            encodedSize = WireSize.string(name) + addressSize(address) + WireSize.varintField(incarnation)
                    + (metadata.isEmpty() ? 0 : WireSize.field(metadata.encodedSize()));
        }

        public Alive(String name, Address address, int incarnation, Metadata metadata) {
            this(name, address, incarnation, metadata, 0);
        }

        @Override public int type() { return TYPE_ALIVE; }
    }

    /** {@code from} suspects member {@code name} at this incarnation. */
    record Suspect(String name, int incarnation, String from) implements Message {
        public Suspect {
            Objects.requireNonNull(name);
            Objects.requireNonNull(from);
        }

        @Override public int type() { return TYPE_SUSPECT; }

        @Override public int encodedSize() {
            return WireSize.string(name) + WireSize.varintField(incarnation) + WireSize.string(from);
        }
    }

    /** {@code from} declares {@code name} dead; when {@code from == name} the member left. */
    record Dead(String name, int incarnation, String from) implements Message {
        public Dead {
            Objects.requireNonNull(name);
            Objects.requireNonNull(from);
        }

        /** True when the member announced its own departure. */
        public boolean isLeave() {
            return name.equals(from);
        }

        @Override public int type() { return TYPE_DEAD; }

        @Override public int encodedSize() {
            return WireSize.string(name) + WireSize.varintField(incarnation) + WireSize.string(from);
        }
    }

    /**
     * Full state exchange over a stream: the sender's member list. A request is answered with a
     * reply holding the receiver's list. {@code join} marks the first exchange of a joining node.
     */
    record PushPull(boolean join, boolean reply, List<Entry> entries, int encodedSize) implements Message {
        public PushPull {
            // a list this package built from a member table is immutable already: no copy
            entries = entries instanceof PushPullEntries ? entries : List.copyOf(entries);
        }

        /** Computes {@link #encodedSize} from the entries (one walk over every identity). */
        public PushPull(boolean join, boolean reply, List<Entry> entries) {
            this(join, reply, entries, sizeOf(entries));
        }

        @Override public int type() { return TYPE_PUSH_PULL; }

        /** The wire size of a push-pull whose entries have these sizes; see {@link #entrySize}. */
        static int sizeOf(List<Entry> entries) {
            int size = EMPTY_SIZE;
            for (Entry e : entries) {
                size += WireSize.field(e.encodedSize());
            }
            return size;
        }

        /** Framing of a push-pull without entries. */
        static final int EMPTY_SIZE = 4;

        /** What one entry adds, from its identity's encoded size, without touching the identity. */
        static int entrySize(int identityBytes, int incarnation) {
            return WireSize.field(identityBytes + WireSize.varintField(incarnation) + 2);
        }

        /** One member in a push-pull: its identity and address as last announced, its incarnation and state. */
        public record Entry(Alive identity, int incarnation, MemberState state) {
            public Entry {
                Objects.requireNonNull(identity);
                Objects.requireNonNull(state);
            }

            int encodedSize() {
                return identity.encodedSize() + WireSize.varintField(incarnation) + 2;
            }
        }
    }
}
