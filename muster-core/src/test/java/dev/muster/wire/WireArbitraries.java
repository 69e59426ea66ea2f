package dev.muster.wire;

import dev.muster.Address;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.membership.Message;
import dev.muster.membership.WireSize;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Generators of valid membership messages for the codec's properties. */
final class WireArbitraries {

    private WireArbitraries() {}

    /** Code points from several scripts: ASCII, Latin-1/Extended, Cyrillic, CJK and emoji (surrogate pairs). */
    private static Arbitrary<Integer> codePoints() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between('a', 'z')),
                Tuple.of(2, Arbitraries.of((int) '-', (int) '.', (int) '_', (int) '0', (int) '7')),
                Tuple.of(1, Arbitraries.integers().between(0xC0, 0x24F)),
                Tuple.of(1, Arbitraries.integers().between(0x400, 0x4FF)),
                Tuple.of(1, Arbitraries.integers().between(0x4E00, 0x9FFF)),
                Tuple.of(1, Arbitraries.integers().between(0x1F300, 0x1FAFF)));
    }

    private static Arbitrary<String> text(int minCodePoints, int maxCodePoints) {
        return codePoints().list().ofMinSize(minCodePoints).ofMaxSize(maxCodePoints).map(cps -> {
            StringBuilder sb = new StringBuilder();
            cps.forEach(sb::appendCodePoint);
            return sb.toString();
        });
    }

    static Arbitrary<String> names() {
        return text(1, 24);
    }

    static Arbitrary<Address> addresses() {
        Arbitrary<Integer> octet = Arbitraries.integers().between(0, 255);
        Arbitrary<String> ipv4 = octet.list().ofSize(4)
                .map(o -> o.stream().map(String::valueOf).collect(Collectors.joining(".")));
        Arbitrary<String> ipv6Full = Arbitraries.integers().between(0, 0xFFFF).list().ofSize(8)
                .map(g -> g.stream().map(Integer::toHexString).collect(Collectors.joining(":")));
        Arbitrary<String> ipv6Short = Arbitraries.integers().between(0, 0xFFFF)
                .map(g -> "fe80::" + Integer.toHexString(g));
        Arbitrary<String> hostNames = names().map(n -> n + ".example");
        Arbitrary<String> hosts = Arbitraries.oneOf(ipv4, ipv6Full, ipv6Short, hostNames,
                Arbitraries.of("::1", "127.0.0.1", "localhost"));
        return Combinators.combine(hosts, Arbitraries.integers().between(1, 65_535)).as(Address::new);
    }

    static Arbitrary<Metadata> metadata() {
        return Arbitraries.maps(names(), text(0, 40)).ofMaxSize(8).map(Metadata::of);
    }

    static Arbitrary<Long> seqs() {
        return Arbitraries.longs(); // negative longs are the large half of a uint64
    }

    static Arbitrary<Integer> incarnations() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE);
    }

    static Arbitrary<Message.Ping> pings() {
        return Combinators.combine(seqs(), names(), names(), addresses()).as(Message.Ping::new);
    }

    static Arbitrary<Message.Ack> acks() {
        return Combinators.combine(seqs(), names()).as(Message.Ack::new);
    }

    static Arbitrary<Message.Nack> nacks() {
        return Combinators.combine(seqs(), names()).as(Message.Nack::new);
    }

    static Arbitrary<Message.PingReq> pingReqs() {
        return Combinators.combine(seqs(), names(), addresses(), Arbitraries.of(true, false), names(), addresses())
                .as(Message.PingReq::new);
    }

    static Arbitrary<Message.Alive> alives() {
        return Combinators.combine(names(), addresses(), incarnations(), metadata()).as(Message.Alive::new);
    }

    static Arbitrary<Message.Suspect> suspects() {
        return Combinators.combine(names(), incarnations(), names()).as(Message.Suspect::new);
    }

    static Arbitrary<Message.Dead> deads() {
        return Combinators.combine(names(), incarnations(), names()).as(Message.Dead::new);
    }

    static Arbitrary<Message.PushPull.Entry> entries() {
        return Combinators.combine(alives(), incarnations(), Arbitraries.of(MemberState.class))
                .as(Message.PushPull.Entry::new);
    }

    static Arbitrary<Message.PushPull> pushPulls(int maxEntries) {
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false),
                entries().list().ofMaxSize(maxEntries)).as(Message.PushPull::new);
    }

    /** Every message type, push-pulls with up to {@code maxEntries} entries. */
    static Arbitrary<Message> messages(int maxEntries) {
        return Arbitraries.oneOf(pings(), acks(), nacks(), pingReqs(), alives(), suspects(), deads(),
                pushPulls(maxEntries));
    }

    /**
     * What a datagram carries: 1 to {@code maxMessages} probes and gossip, now and then a small
     * push-pull; fits a UDP payload.
     */
    static Arbitrary<List<Message>> packets(int maxMessages, int maxEntries) {
        return messages(maxEntries).list().ofMinSize(1).ofMaxSize(maxMessages)
                .filter(list -> WireSize.packet(list) <= WireCodec.MAX_PACKET_BYTES);
    }
}
