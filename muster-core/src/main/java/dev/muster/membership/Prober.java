package dev.muster.membership;

import dev.muster.Address;
import dev.muster.MemberState;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * SWIM's failure detector for one node (Das, Gupta, Motivala 2002, sections 3.1 and 4.3), with
 * Lifeguard's nacks (Dadgar et al. 2018, section 4.3) and a stream fallback.
 *
 * <p>Every probe interval (stretched by the local-health score) the node pings the next member
 * of its shuffled round-robin order. Without a direct ack within the probe timeout it asks
 * {@code indirectChecks} members to ping the target for it (ping-req) and pings the target
 * over a stream as well (memberlist's TCP fallback; a refused connection tells that nothing
 * listens there any more). Without any ack by the end of the interval the probe has failed and
 * {@link Hooks#probeFailed} starts the suspicion. The node also relays ping-reqs for others:
 * it pings their target, forwards the ack, and sends a nack at 80% of the probe timeout when
 * none came, so the asker can tell a dead target from its own slowness.
 *
 * <p>Confined to the node's loop thread, like {@link Membership}, which owns it.
 */
final class Prober {

    /** Lifeguard: a relay sends its nack at this fraction of the probe timeout (paper, section 4.3). */
    private static final double NACK_FRACTION = 0.8;

    /** What the prober needs from its {@link Membership}. */
    interface Hooks {
        /** Sends a packet with {@code primary} (and {@code extra}), piggybacking gossip. */
        void send(Address to, Message primary, Message extra);

        /** Picks up to {@code k} random alive members other than this node and the target. */
        int pickPeers(int k, int[] into);

        /** Whether a slot may be probed now. */
        boolean isProbeable(int slot);

        /** The probe of {@code target} at {@code targetAddress} got no ack at all. */
        void probeFailed(String target, Address targetAddress, boolean refused, long now);
    }

    /** A ping-req this node runs on behalf of another. */
    private record Relay(long originSeq, Address origin, boolean wantNack, long nackAt, long expireAt) {}

    private final MembershipConfig config;
    private final String name;
    private final Address address;
    private final MemberTable table;
    private final Awareness awareness;
    private final RandomGenerator random;
    private final Outbox out;
    private final Hooks hooks;
    private final long probeIntervalNanos;
    private final long probeTimeoutNanos;
    private final Map<Long, Relay> relays = new LinkedHashMap<>();
    private final int[] peers = new int[16];
    private final java.util.function.IntPredicate probeable;

    private long seq;
    private boolean probing;
    private long probeSeq;
    private String target;
    private Address targetAddress;
    private long directDeadline;
    private long finalDeadline;
    private boolean indirectSent;
    private int expectedNacks;
    private int nacks;
    private boolean refused;
    private long nextProbeAt;

    private long probes;
    private long failures;
    private long rejectedPingReqs;

    Prober(MembershipConfig config, String name, Address address, MemberTable table, Awareness awareness,
           RandomGenerator random, Outbox out, Hooks hooks, long firstProbeAt) {
        this.config = config;
        this.name = name;
        this.address = address;
        this.table = table;
        this.awareness = awareness;
        this.random = random;
        this.out = out;
        this.hooks = hooks;
        this.probeIntervalNanos = config.probeInterval().toNanos();
        this.probeTimeoutNanos = config.probeTimeout().toNanos();
        this.nextProbeAt = firstProbeAt;
        this.probeable = hooks::isProbeable;
    }

    /** Advances the probe in flight and starts the next one when due. */
    void run(long now) {
        if (probing && !indirectSent && now >= directDeadline) {
            sendIndirectProbes();
        }
        if (probing && now >= finalDeadline) {
            fail(now);
        }
        if (!probing && now >= nextProbeAt) {
            start(now);
        }
    }

    /** The next probe deadline. */
    long nextDeadlineNanos() {
        return probing ? (indirectSent ? finalDeadline : directDeadline) : nextProbeAt;
    }

    /** The next relay deadline, or {@code Long.MAX_VALUE}. */
    long nextRelayDeadlineNanos() {
        long d = Long.MAX_VALUE;
        for (Relay r : relays.values()) {
            d = Math.min(d, r.wantNack() ? Math.min(r.nackAt(), r.expireAt()) : r.expireAt());
        }
        return d;
    }

    /** Abandons the probe in flight (the node is leaving). */
    void stop() {
        probing = false;
    }

    /** A stream connection to {@code to} was refused. */
    void refused(Address to) {
        if (probing && to.equals(targetAddress)) {
            refused = true;
        }
    }

    long probes() {
        return probes;
    }

    long failures() {
        return failures;
    }

    long rejectedPingReqs() {
        return rejectedPingReqs;
    }

    private void start(long now) {
        nextProbeAt = now + awareness.scale(probeIntervalNanos);
        int slot = table.nextProbeTarget(probeable, random);
        if (slot < 0) {
            return;
        }
        Message.Alive t = table.identity(slot);
        probing = true;
        probes++;
        probeSeq = ++seq;
        target = t.name();
        targetAddress = t.address();
        directDeadline = now + awareness.scale(probeTimeoutNanos);
        finalDeadline = nextProbeAt;
        indirectSent = false;
        expectedNacks = 0;
        nacks = 0;
        refused = false;
        // Lifeguard's buddy system: a suspect learns from the ping itself that it is suspected.
        Message buddy = config.lifeguard() && table.state(slot) == MemberState.SUSPECT
                ? new Message.Suspect(t.name(), table.incarnation(slot), name)
                : null;
        hooks.send(targetAddress, new Message.Ping(probeSeq, target, name, address), buddy);
    }

    private void sendIndirectProbes() {
        indirectSent = true;
        int n = hooks.pickPeers(config.indirectChecks(), peers);
        Message.PingReq req = new Message.PingReq(probeSeq, target, targetAddress, config.lifeguard(), name, address);
        for (int i = 0; i < n; i++) {
            hooks.send(table.identity(peers[i]).address(), req, null);
        }
        expectedNacks = config.lifeguard() ? n : 0;
        out.sendStream(targetAddress, new Message.Ping(probeSeq, target, name, address));
    }

    private void fail(long now) {
        probing = false;
        failures++;
        if (config.lifeguard()) {
            awareness.apply(expectedNacks > 0 ? expectedNacks - nacks : 1);
        }
        hooks.probeFailed(target, targetAddress, refused, now);
    }

    /**
     * Answers a ping meant for this node, on the channel it came by: a stream ping is the TCP
     * fallback for lost datagrams, so its ack goes back over a stream too. Returns false if the
     * ping named another node.
     */
    boolean onPing(Address from, Message.Ping p, boolean overStream) {
        if (!p.target().equals(name)) {
            return false; // meant for a previous owner of this address
        }
        Message.Ack ack = new Message.Ack(p.seq(), name);
        if (overStream) {
            out.sendStream(from, ack);
        } else {
            hooks.send(from, ack, null);
        }
        return true;
    }

    void onAck(Address from, Message.Ack a) {
        if (probing && a.seq() == probeSeq) {
            probing = false;
            if (config.lifeguard() && from.equals(targetAddress)) {
                awareness.apply(-1);
            }
            return;
        }
        Relay r = relays.remove(a.seq());
        if (r != null) {
            hooks.send(r.origin(), new Message.Ack(r.originSeq(), a.source()), null);
        }
    }

    void onNack(Message.Nack n) {
        if (probing && n.seq() == probeSeq) {
            nacks++;
        }
    }

    void onPingReq(Address from, Message.PingReq r, long now) {
        if (relays.size() >= config.maxPendingRelays()) {
            rejectedPingReqs++;
            return;
        }
        long relaySeq = ++seq;
        relays.put(relaySeq, new Relay(r.seq(), from, r.wantNack(),
                now + (long) (probeTimeoutNanos * NACK_FRACTION), now + probeIntervalNanos));
        hooks.send(r.targetAddress(), new Message.Ping(relaySeq, r.target(), name, address), null);
    }

    void expireRelays(long now) {
        Iterator<Map.Entry<Long, Relay>> it = relays.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, Relay> e = it.next();
            Relay r = e.getValue();
            if (r.wantNack() && now >= r.nackAt()) {
                hooks.send(r.origin(), new Message.Nack(r.originSeq(), name), null);
                e.setValue(new Relay(r.originSeq(), r.origin(), false, r.nackAt(), r.expireAt()));
            }
            if (now >= r.expireAt()) {
                it.remove();
            }
        }
    }
}
