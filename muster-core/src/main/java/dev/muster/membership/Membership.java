package dev.muster.membership;

import dev.muster.Address;
import dev.muster.Member;
import dev.muster.MemberEvent;
import dev.muster.MemberState;
import dev.muster.Metadata;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * One node's SWIM membership protocol with the Lifeguard refinements, as a pure state machine.
 *
 * <h2>What it does</h2>
 * Failure detection follows SWIM (Das, Gupta, Motivala 2002): every probe interval the node pings
 * the next member of a shuffled round-robin order (section 4.3); without an ack within the probe
 * timeout it asks {@code k} other members to ping it (ping-req, section 3.1); without any ack by
 * the end of the interval it starts to suspect the member (section 4.2). Suspicion, refutation
 * by a higher incarnation and death are gossiped by piggybacking on probe packets and on
 * periodic gossip rounds (section 4.1). A periodic push-pull over a stream exchanges the full
 * member list with one random member, and with one random dead member, which repairs lost
 * gossip and heals partitions (as memberlist and Serf do).
 *
 * <p>Lifeguard (Dadgar, Phillips, Currey 2018) adds: a local health score that stretches this
 * node's own probe interval and timeout when it seems to be the slow one ({@link Awareness});
 * a suspicion timeout that starts long and shrinks with independent confirmations
 * ({@link Suspicion}); the buddy system, telling a suspect that it is suspected in the ping
 * itself; and nacks from ping-req relays, so the node can tell "the target is gone" from "my
 * own messages are late".
 *
 * <p>Muster adds four things, each found necessary in simulation (docs/benchmarks.md):
 * refusal as evidence (a stream ping that the target's host refuses shortens the prober's
 * suspicion to {@link MembershipConfig#refusedSuspicionTimeout()}; stalled or partitioned
 * processes never refuse); stale rumours answered (a suspicion or death older than what this
 * node knows gets the current alive message sent back to its sender); probe again soon (a member
 * that failed a probe is probed again within three probes); and a last chance (before a
 * suspicion without refusal evidence kills a member, the suspicion goes to it over a stream and
 * the timer runs one more probe timeout; a live member answers on the stream).
 *
 * <h2>Purity</h2>
 * No sockets, threads, clocks or unseeded randomness: the driver passes the time and a seeded
 * {@link RandomGenerator}, calls {@link #receive} for each message and {@link #tick} at
 * {@link #nextDeadlineNanos()}; the state machine answers through the {@link Outbox}. The node
 * runtime and the simulator drive the same code.
 *
 * <h2>Concurrency</h2>
 * Not thread-safe: confined to the one thread that drives it.
 */
public final class Membership {

    private static final int PACKET_HEADER_BYTES = WireSize.PACKET_HEADER_BYTES;
    private static final int MESSAGE_OVERHEAD_BYTES = WireSize.MESSAGE_OVERHEAD_BYTES;
    /** Messages a full packet can hold (about 40 alive messages of 35 bytes fit 1400). */
    private static final int PACKET_LIST_CAPACITY = 64;
    /** Longest member name accepted. */
    public static final int MAX_NAME_LENGTH = 128;
    /** The join backoff stops doubling at this multiple of the join retry interval. */
    private static final int MAX_JOIN_BACKOFF = 8;
    /**
     * Facts of a push-pull list handled per batch after a pass that warms the cache for them
     * (see {@link MemberTable#warm}); small enough that the warmed lines stay in the L1/L2 cache.
     */
    private static final int WARM_BATCH = 256;
    /** Lifeguard buddy system: a member that failed a probe is probed again within this many probes. */
    private static final int PROBE_AGAIN_WITHIN = 3;

    private final MembershipConfig config;
    private final String name;
    private final Address address;
    private final RandomGenerator random;
    private final Outbox out;
    private final MemberTable table = new MemberTable();
    private final BroadcastQueue queue;
    private final Awareness awareness;
    private final Map<String, Suspicion> suspicions = new LinkedHashMap<>();
    private final Prober prober;
    private final int selfSlot;
    private final long probeTimeoutNanos;
    private final long gossipIntervalNanos;
    private final long reapIntervalNanos;

    private Metadata metadata;
    private int incarnation;
    private MemberState localState = MemberState.JOINING;
    /** Seeds that have not answered a join yet: retried with backoff even after the join, so a
     *  seed that was not up yet (nodes started together) still learns of this node. */
    private List<Address> seeds = List.of();
    private long nextJoinAt = Long.MAX_VALUE;
    private int joinBackoff = 1;
    private Message.Dead leaveMessage;
    /** The address of a live node that holds this node's name, as a join reply said; null when none. */
    private Address nameClaimedBy;
    /** Set while a stream message is handled: refutations and corrections answer on a stream. */
    private Address streamReplyTo;

    private long nextGossipAt;
    private long nextPushPullAt;
    private long nextReapAt;

    private long suspicionsStarted;
    private long refutations;
    private long deathsDeclared;
    private long nameConflicts;
    private long rejectedMessages;
    private long staleRumoursCorrected;
    private long suspicionsRefuted;
    private long gossipSent;
    private long gossipReceived;
    private long pushPullsSent;
    private long pushPullsAnswered;
    private long pushPullRepliesReceived;

    private final int[] picked = new int[16];
    private final IntPredicate gossipTarget = this::isGossipTarget;
    private final IntPredicate aliveOther = this::isAliveOther;
    private final IntPredicate deadOther = this::isDeadOther;
    private final BroadcastQueue.Currency currency = (slot, version) -> table.version(slot) == version;

    /**
     * @param initialIncarnation the runtime passes a value that grows across restarts (such as
     *     seconds since an epoch), so a restarted node outranks its previous life at once
     */
    public Membership(MembershipConfig config, String name, Address address, Metadata metadata,
                      int initialIncarnation, RandomGenerator random, Outbox out, long nowNanos) {
        this.config = Objects.requireNonNull(config, "config");
        this.name = Objects.requireNonNull(name, "name");
        this.address = Objects.requireNonNull(address, "address");
        this.random = Objects.requireNonNull(random, "random");
        this.out = Objects.requireNonNull(out, "out");
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("node name '" + name + "' must be 1 to " + MAX_NAME_LENGTH + " characters");
        }
        if (initialIncarnation < 0) {
            throw new IllegalArgumentException("initial incarnation (" + initialIncarnation + ") must not be negative");
        }
        checkMetadata(metadata);
        this.metadata = metadata;
        this.incarnation = initialIncarnation;
        this.queue = new BroadcastQueue(config.maxQueuedBroadcasts());
        this.awareness = new Awareness(config.lifeguard() ? config.awarenessMax() : 1);
        long probeIntervalNanos = config.probeInterval().toNanos();
        this.probeTimeoutNanos = config.probeTimeout().toNanos();
        this.gossipIntervalNanos = config.gossipInterval().toNanos();
        this.reapIntervalNanos = Math.max(1_000_000_000L, config.deadMemberRetention().toNanos() / 2);
        this.selfSlot = table.add(selfAlive(), incarnation, MemberState.ALIVE, nowNanos);
        // Random phases, so nodes started together do not probe and gossip in lockstep.
        long firstProbeAt = nowNanos + (long) (random.nextDouble() * probeIntervalNanos);
        this.prober = new Prober(config, name, address, table, awareness, random, out, new ProbeHooks(), firstProbeAt);
        this.nextGossipAt = nowNanos + (long) (random.nextDouble() * gossipIntervalNanos);
        this.nextPushPullAt = nowNanos + config.pushPullNanos(1) / 2
                + (long) (random.nextDouble() * config.pushPullNanos(1) / 2);
        this.nextReapAt = nowNanos + reapIntervalNanos;
    }

    // ------------------------------------------------------------------ inputs

    /**
     * Joins through the seeds: a push-pull with each until one answers, retried with backoff.
     * Seeds that did not answer are asked again (with the same backoff, up to 8 join retry
     * intervals apart) until each has answered once: nodes started together may find their
     * seeds not up yet, and two groups that joined different seeds would otherwise stay apart.
     * With no seeds other than itself, the node forms a cluster of one at once.
     */
    public void start(List<Address> seedAddresses, long nowNanos) {
        List<Address> others = new ArrayList<>();
        for (Address a : seedAddresses) {
            if (!a.equals(address) && !others.contains(a)) {
                others.add(a);
            }
        }
        this.seeds = List.copyOf(others);
        if (seeds.isEmpty()) {
            localState = MemberState.ALIVE;
        } else {
            sendJoin(nowNanos);
        }
    }

    /** Handles one message received from {@code from}. */
    public void receive(Address from, Message message, long nowNanos) {
        if (localState == MemberState.LEFT) {
            return;
        }
        switch (message) {
            case Message.Ping p -> {
                if (!prober.onPing(from, p, false)) {
                    rejectedMessages++;
                }
            }
            case Message.Ack a -> prober.onAck(from, a);
            case Message.Nack n -> prober.onNack(n);
            case Message.PingReq r -> prober.onPingReq(from, r, nowNanos);
            case Message.Alive a -> {
                gossipReceived++;
                onAlive(a, nowNanos);
            }
            case Message.Suspect s -> {
                gossipReceived++;
                onSuspect(from, s, nowNanos);
            }
            case Message.Dead d -> {
                gossipReceived++;
                onDead(from, d, nowNanos);
            }
            case Message.PushPull pp -> onPushPull(from, pp, nowNanos);
        }
    }

    /**
     * Handles the messages of one packet from {@code from}, in order; the same as
     * {@link #receive} for each, but a pass over them first loads the table entries they are
     * about, so their cache misses overlap instead of coming one after another.
     */
    public void receive(Address from, List<Message> messages, long nowNanos) {
        if (localState == MemberState.LEFT) {
            return;
        }
        for (int i = 0, n = messages.size(); i < n; i++) {
            warm(messages.get(i));
        }
        for (int i = 0, n = messages.size(); i < n; i++) {
            receive(from, messages.get(i), nowNanos);
        }
    }

    private void warm(Message m) {
        switch (m) {
            case Message.Alive a -> table.warm(a);
            case Message.Suspect s -> table.warm(s.name());
            case Message.Dead d -> table.warm(d.name());
            default -> { }
        }
    }

    /**
     * The driver reports that a stream connection to {@code to} was refused: the host answered,
     * but nothing listens on that port, so the process there is gone. Refusal is evidence, not
     * proof: it shortens this node's suspicion of the probe target (see
     * {@link MembershipConfig#refusedSuspicionTimeout()}) and changes nothing else. Timeouts
     * and unreachable hosts are not refusals and must not be reported.
     */
    public void refused(Address to, long nowNanos) {
        prober.refused(to);
        for (Map.Entry<String, Suspicion> e : suspicions.entrySet()) {
            Suspicion s = e.getValue();
            if (s.lastChanceSent() && !s.refused()) {
                int slot = table.find(e.getKey());
                if (slot >= 0 && table.identity(slot).address().equals(to)) {
                    s.refusedUntil(nowNanos); // the last-chance check was refused: it is gone
                }
            }
        }
    }

    /**
     * Handles one message that arrived over a stream. A ping is answered over a stream too (the
     * TCP fallback probe exists because datagrams get lost); everything else is as
     * {@link #receive}.
     */
    public void receiveStream(Address from, Message message, long nowNanos) {
        if (message instanceof Message.Ping p) {
            if (localState == MemberState.LEFT || !prober.onPing(from, p, true)) {
                rejectedMessages++;
            }
            return;
        }
        streamReplyTo = from;
        try {
            receive(from, message, nowNanos);
        } finally {
            streamReplyTo = null;
        }
    }

    /** Runs every timer that is due at {@code nowNanos}. */
    public void tick(long nowNanos) {
        if (localState == MemberState.LEFT) {
            return;
        }
        if (retryingJoin() && nowNanos >= nextJoinAt) {
            sendJoin(nowNanos);
        }
        if (localState != MemberState.LEAVING) {
            // Probe first: a failed probe of a suspect confirms the suspicion, which can move its
            // deadline into the past; expiring afterwards handles that in the same tick.
            if (localState == MemberState.ALIVE) {
                prober.run(nowNanos);
            }
            expireSuspicions(nowNanos);
        }
        prober.expireRelays(nowNanos);
        if (nowNanos >= nextGossipAt) {
            if (!queue.isEmpty()) {
                gossip();
            }
            nextGossipAt += ((nowNanos - nextGossipAt) / gossipIntervalNanos + 1) * gossipIntervalNanos;
        }
        if (localState == MemberState.ALIVE && nowNanos >= nextPushPullAt) {
            pushPull();
            nextPushPullAt = nowNanos + config.pushPullNanos(table.listedCount());
        }
        if (nowNanos >= nextReapAt) {
            reap(nowNanos);
            nextReapAt = nowNanos + reapIntervalNanos;
        }
        if (localState == MemberState.LEAVING && !queue.contains(leaveMessage)) {
            localState = MemberState.LEFT;
        }
    }

    /** When {@link #tick} should run next; {@code Long.MAX_VALUE} once the node has left. */
    public long nextDeadlineNanos() {
        if (localState == MemberState.LEFT) {
            return Long.MAX_VALUE;
        }
        long d = nextReapAt;
        if (retryingJoin()) {
            d = Math.min(d, nextJoinAt);
        }
        if (localState == MemberState.ALIVE) {
            d = Math.min(d, prober.nextDeadlineNanos());
        }
        if (localState != MemberState.LEAVING) {
            for (Suspicion s : suspicions.values()) {
                d = Math.min(d, s.deadlineNanos());
            }
        }
        d = Math.min(d, prober.nextRelayDeadlineNanos());
        if (!queue.isEmpty()) {
            d = Math.min(d, nextGossipAt);
        }
        if (localState == MemberState.ALIVE) {
            d = Math.min(d, nextPushPullAt);
        }
        return d;
    }

    /**
     * Starts a graceful leave: the node stops probing and gossips that it left. The state is
     * {@code LEAVING} until the news has been sent as often as gossip sends anything, then
     * {@code LEFT}; the driver may close the node then (or at its own timeout).
     */
    public void leave(long nowNanos) {
        if (localState == MemberState.LEAVING || localState == MemberState.LEFT) {
            return;
        }
        prober.stop();
        if (table.listedCount() <= 1 && localState == MemberState.JOINING) {
            localState = MemberState.LEFT;
            return;
        }
        localState = MemberState.LEAVING;
        leaveMessage = new Message.Dead(name, incarnation, name);
        table.setState(selfSlot, MemberState.LEFT, nowNanos);
        enqueue(selfSlot, leaveMessage);
        gossip();
        if (!queue.contains(leaveMessage) || table.listedCount() <= 1) {
            localState = MemberState.LEFT;
        }
    }

    /**
     * Asks these addresses (found by discovery after the start) for a push-pull, as a join: a
     * node there that does not know this one learns of it, and this one of its cluster. Addresses
     * of members already listed alive are skipped. While joining they become seeds too.
     */
    public void contact(List<Address> addresses, long nowNanos) {
        Message.PushPull request = null;
        for (Address a : addresses) {
            if (a.equals(address) || isAliveAt(a)) {
                continue;
            }
            if (localState == MemberState.JOINING && !seeds.contains(a)) {
                List<Address> more = new ArrayList<>(seeds);
                more.add(a);
                seeds = List.copyOf(more);
            }
            if (request == null) {
                request = joinRequest();
            }
            out.sendStream(a, request);
            pushPullsSent++;
        }
    }

    private boolean isAliveAt(Address a) {
        for (int s = 0; s < table.highWater(); s++) {
            if (table.inUse(s) && !table.state(s).isGone() && table.identity(s).address().equals(a)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The address of another live node that holds this node's name, as the last join reply
     * said, or null. While it is set the node stays {@code JOINING} and keeps retrying; the
     * driver reports it when the join times out.
     */
    public Address nameClaimedBy() {
        return nameClaimedBy;
    }

    /** Publishes new metadata: a new incarnation, gossiped to everyone. */
    public void updateMetadata(Metadata newMetadata, long nowNanos) {
        checkMetadata(newMetadata);
        metadata = newMetadata;
        announceSelf(incarnation + 1);
    }

    // ------------------------------------------------------------------ reads

    public String name() {
        return name;
    }

    public Address address() {
        return address;
    }

    /** The local node's own state: JOINING, ALIVE, LEAVING or LEFT. */
    public MemberState localState() {
        return localState;
    }

    public int incarnation() {
        return incarnation;
    }

    /** Listed members (not tombstones), this node included. */
    public List<Member> members() {
        List<Member> list = new ArrayList<>(table.listedCount());
        for (int s = 0; s < table.highWater(); s++) {
            if (table.inUse(s) && !table.isTombstone(s)) {
                list.add(s == selfSlot ? localMember() : table.snapshot(s));
            }
        }
        return list;
    }

    /** The member with this name if listed. */
    public Member member(String memberName) {
        int s = table.find(memberName);
        if (s < 0 || table.isTombstone(s)) {
            return null;
        }
        return s == selfSlot ? localMember() : table.snapshot(s);
    }

    public Member localMember() {
        return new Member(name, address, incarnation, localState, metadata);
    }

    /** Members this node sees as ALIVE, itself included (unless it is leaving). */
    public int aliveCount() {
        return table.aliveCount();
    }

    public MembershipStats stats() {
        return new MembershipStats(prober.probes(), prober.failures(), suspicionsStarted, refutations, deathsDeclared,
                nameConflicts, rejectedMessages + prober.rejectedPingReqs(), staleRumoursCorrected, queue.dropped(),
                awareness.score(), suspicionsRefuted, gossipSent, gossipReceived, pushPullsSent, pushPullsAnswered,
                pushPullRepliesReceived);
    }

    // ------------------------------------------------------------------ probing

    /** Connects the {@link Prober} to this node's table, gossip and suspicions. */
    private final class ProbeHooks implements Prober.Hooks {
        @Override
        public void send(Address to, Message primary, Message extra) {
            sendPacket(to, primary, extra);
        }

        @Override
        public int pickPeers(int k, int[] into) {
            return table.pickRandom(k, aliveOther, random, into);
        }

        @Override
        public boolean isProbeable(int slot) {
            return Membership.this.isProbeable(slot);
        }

        @Override
        public void probeFailed(String target, Address targetAddress, boolean refused, long now) {
            int slot = table.find(target);
            if (slot < 0 || !table.identity(slot).address().equals(targetAddress)) {
                return;
            }
            onSuspect(null, new Message.Suspect(target, table.incarnation(slot), name), now);
            Suspicion suspicion = suspicions.get(target);
            if (refused && suspicion != null) {
                suspicion.refusedUntil(now + config.refusedSuspicionTimeout().toNanos());
            }
            if (config.lifeguard()) {
                // Buddy system: probe the suspect again soon; that ping tells it it is suspected,
                // so it refutes, or answers with the alive message this node missed.
                table.probeSoon(slot, PROBE_AGAIN_WITHIN, random);
            }
        }
    }

    // ------------------------------------------------------------------ membership facts

    private void onAlive(Message.Alive a, long now) {
        if (table.holdsIdentity(a)) {
            return; // this very message was accepted before: gossip brings each fact many times
        }
        int known = table.find(a.name());
        if (a.metadata().encodedSize() > config.maxMetadataBytes() || a.name().isEmpty()
                || a.name().length() > MAX_NAME_LENGTH) {
            rejectedMessages++;
            return;
        }
        if (a.name().equals(name)) {
            if (localState == MemberState.LEAVING) {
                return;
            }
            boolean mine = a.incarnation() == incarnation && a.address().equals(address)
                    && a.metadata().equals(metadata);
            if (a.incarnation() > incarnation || (a.incarnation() == incarnation && !mine)) {
                refute(a.incarnation());
            }
            return;
        }
        int slot = known;
        if (slot < 0) {
            slot = table.add(a, a.incarnation(), MemberState.ALIVE, now);
            table.addToProbeOrder(slot, random);
            enqueue(slot, a);
            emit(MemberEvent.Type.JOINED, slot);
            return;
        }
        Message.Alive current = table.identity(slot);
        MemberState previous = table.state(slot);
        boolean moved = !current.address().equals(a.address());
        if (moved) {
            if (!previous.isGone()) {
                nameConflicts++; // a second live node claims this name: keep the first
                return;
            }
            // the old owner is dead or gone: a restart elsewhere takes the name at once
        } else if (a.incarnation() <= table.incarnation(slot)) {
            return; // stale, including gossip about a dead member's earlier life
        }
        boolean wasTombstone = table.isTombstone(slot);
        table.setIdentity(slot, a);
        table.setIncarnation(slot, a.incarnation());
        if (previous != MemberState.ALIVE || wasTombstone) {
            table.setState(slot, MemberState.ALIVE, now);
        }
        if (previous.isGone()) {
            table.addToProbeOrder(slot, random);
        }
        suspicions.remove(a.name());
        enqueue(slot, a);
        if (previous.isGone()) {
            emit(MemberEvent.Type.JOINED, slot);
        } else if (previous == MemberState.SUSPECT) {
            suspicionsRefuted++; // it was alive after all: a false positive, as this node saw it
            emit(MemberEvent.Type.ALIVE, slot);
        } else if (moved || !current.metadata().equals(a.metadata())) {
            emit(MemberEvent.Type.UPDATED, slot);
        }
    }

    /**
     * The slot an accusation (suspicion or death) of {@code member} at {@code inc} is about, or -1
     * when nothing more is to be done: the member is unknown, the rumour is stale (answered with
     * the current alive message), or it is about this node (refuted).
     *
     * @param from the packet's sender, or null when the fact comes from this node or a push-pull
     */
    private int accused(Address from, String member, int inc) {
        int slot = table.find(member);
        if (slot < 0) {
            return -1;
        }
        if (inc < table.incarnation(slot)) {
            correctStaleRumour(from, slot);
            return -1;
        }
        if (slot == selfSlot) {
            if (localState != MemberState.LEAVING) {
                refute(inc);
            }
            return -1;
        }
        return slot;
    }

    private void onSuspect(Address from, Message.Suspect s, long now) {
        int slot = accused(from, s.name(), s.incarnation());
        if (slot < 0) {
            return;
        }
        Suspicion existing = suspicions.get(s.name());
        if (existing != null) {
            if (existing.confirm(s.from())) {
                enqueue(slot, s); // re-gossip, so others count this confirmation too
            }
            return;
        }
        if (table.state(slot) != MemberState.ALIVE) {
            return;
        }
        table.setIncarnation(slot, s.incarnation());
        table.setState(slot, MemberState.SUSPECT, now);
        enqueue(slot, s);
        suspicionsStarted++;
        int n = table.listedCount();
        int k = config.lifeguard() ? config.suspicionMultiplier() - 2 : 0;
        if (n - 2 < k) {
            k = 0;
        }
        long min = config.suspicionMinNanos(n);
        long max = config.lifeguard() ? config.suspicionMaxTimeoutMultiplier() * min : min;
        suspicions.put(s.name(), new Suspicion(s.from(), s.incarnation(), Math.max(0, k), min, max, now));
        if (config.lifeguard() && !s.from().equals(name)) {
            // Heard it from gossip: check for ourselves soon. A gone member refuses our stream
            // ping, so this node need not wait for a death message it might miss; a live one
            // learns from our ping that it is suspected (buddy system).
            table.probeSoon(slot, PROBE_AGAIN_WITHIN, random);
        }
        emit(MemberEvent.Type.SUSPECT, slot);
    }

    private void onDead(Address from, Message.Dead d, long now) {
        int slot = accused(from, d.name(), d.incarnation());
        if (slot < 0) {
            return;
        }
        if (table.state(slot).isGone()) {
            return;
        }
        table.setIncarnation(slot, d.incarnation());
        table.setState(slot, d.isLeave() ? MemberState.LEFT : MemberState.DEAD, now);
        suspicions.remove(d.name());
        enqueue(slot, d);
        emit(d.isLeave() ? MemberEvent.Type.LEFT : MemberEvent.Type.DEAD, slot);
    }

    private void expireSuspicions(long now) {
        if (suspicions.isEmpty()) {
            return;
        }
        List<Map.Entry<String, Suspicion>> due = null;
        for (Map.Entry<String, Suspicion> e : suspicions.entrySet()) {
            if (now >= e.getValue().deadlineNanos()) {
                if (due == null) {
                    due = new ArrayList<>(2);
                }
                due.add(e);
            }
        }
        if (due != null) {
            for (Map.Entry<String, Suspicion> e : due) {
                Suspicion s = e.getValue();
                int slot = table.find(e.getKey());
                if (config.lifeguard() && !s.refused() && !s.lastChanceSent() && slot >= 0) {
                    // Last chance (buddy system over a stream): gossip may have lost the member's
                    // refutation on its way here. Tell the member directly; a live one answers
                    // with its refutation or current alive message, a gone one refuses.
                    s.lastChance(now + awareness.scale(probeTimeoutNanos));
                    out.sendStream(table.identity(slot).address(), new Message.Suspect(e.getKey(), s.incarnation, name));
                    continue;
                }
                deathsDeclared++;
                onDead(null, new Message.Dead(e.getKey(), s.incarnation, name), now);
                suspicions.remove(e.getKey());
            }
        }
    }

    /**
     * The sender gossips a suspicion or death older than the alive message this node holds: it
     * missed the refutation, and every node that knows better would otherwise drop its rumour in
     * silence, leaving its lone suspicion to run out (a false death, seen in simulation with 10%
     * loss). Send it the current alive message directly. Plain SWIM and memberlist skip this.
     */
    private void correctStaleRumour(Address from, int slot) {
        if (from == null || from.equals(address) || table.state(slot) != MemberState.ALIVE) {
            return;
        }
        Message.Alive current = table.identity(slot);
        if (current.incarnation() == table.incarnation(slot)) {
            staleRumoursCorrected++;
            if (streamReplyTo != null) {
                out.sendStream(streamReplyTo, current);
            } else {
                sendPacket(from, current, null);
            }
        }
    }

    private void refute(int seen) {
        Message.Alive a = announceSelf(Math.max(incarnation, seen) + 1);
        if (streamReplyTo != null) {
            out.sendStream(streamReplyTo, a); // the accuser asked directly: answer directly
        }
        refutations++;
        if (config.lifeguard()) {
            awareness.apply(1);
        }
    }

    // ------------------------------------------------------------------ join, push-pull

    /**
     * Asks every seed: each one that answers learns of this node directly, which spreads a join
     * storm's news over all seeds (asking one seed at a time left 1000 simulated nodes
     * unconverged after 60 s, against 19 s this way).
     */
    private Message.PushPull joinRequest() {
        return new Message.PushPull(true, false,
                List.of(new Message.PushPull.Entry(selfAlive(), incarnation, MemberState.ALIVE)));
    }

    /** Joining, or joined while some seed never answered (it may have started later). */
    private boolean retryingJoin() {
        return localState == MemberState.JOINING || (localState == MemberState.ALIVE && !seeds.isEmpty());
    }

    private void sendJoin(long now) {
        Message.PushPull request = joinRequest();
        for (Address seed : seeds) {
            out.sendStream(seed, request);
            pushPullsSent++;
        }
        nextJoinAt = now + config.joinRetryInterval().toNanos() * joinBackoff;
        joinBackoff = Math.min(MAX_JOIN_BACKOFF, joinBackoff * 2);
    }

    private void pushPull() {
        int n = pickRandom(1, aliveOther);
        if (n == 1) {
            out.sendStream(table.identity(picked[0]).address(), snapshot(false, false, Set.of(), false));
            pushPullsSent++;
        }
        // Serf's reconnect: also try one dead member, as a rejoin, so the halves of a healed
        // partition meet. It carries the dead members, tombstones too, and asks for the other
        // side's: each side learns that it was declared dead, refutes, and is accepted again.
        if (pickRandom(1, deadOther) == 1) {
            out.sendStream(table.identity(picked[0]).address(), snapshot(true, false, Set.of(), true));
            pushPullsSent++;
        }
    }

    private void onPushPull(Address from, Message.PushPull pp, long now) {
        if (pp.reply()) {
            pushPullRepliesReceived++;
        }
        if (pp.reply() && localState == MemberState.JOINING && claimedElsewhere(pp)) {
            return; // not accepted: stay joining, retry, and let the driver report the conflict
        }
        if (pp.reply() && seeds.contains(from)) {
            List<Address> rest = new ArrayList<>(seeds);
            rest.remove(from);
            seeds = List.copyOf(rest);
        }
        if (!pp.reply()) {
            // Answer before merging, with tombstones the requester asked about, so a restarted
            // node learns the incarnation of its previous life and outranks it.
            Set<String> asked = Set.of();
            if (pp.join()) {
                asked = new HashSet<>();
                for (Message.PushPull.Entry e : pp.entries()) {
                    asked.add(e.identity().name());
                }
            }
            out.sendStream(from, snapshot(pp.join(), true, asked, false));
            pushPullsAnswered++;
        }
        // Room for the list's members at once; not size + list, since most are usually known already.
        table.ensureCapacity(Math.max(table.size(), pp.entries().size() + 1));
        List<Message.PushPull.Entry> entries = pp.entries();
        PushPullEntries flat = entries instanceof PushPullEntries f ? f : null;
        for (int base = 0; base < entries.size(); base += WARM_BATCH) {
            int end = Math.min(entries.size(), base + WARM_BATCH);
            // Nearly every entry of a full list is known already, and telling so costs cache
            // misses (the identity, its name, the index): warm a batch first so they overlap.
            for (int i = base; i < end; i++) {
                table.warm(flat != null ? flat.identity(i) : entries.get(i).identity());
            }
            for (int i = base; i < end; i++) {
                if (flat != null) {
                    merge(flat.identity(i), flat.incarnation(i), flat.state(i), now);
                } else {
                    Message.PushPull.Entry e = entries.get(i);
                    merge(e.identity(), e.incarnation(), e.state(), now);
                }
            }
        }
        if (localState == MemberState.JOINING) {
            // The first periodic push-pull stays within the base interval (as in memberlist), not
            // the interval scaled to the cluster just learned: in a join storm it repairs what
            // gossip missed (2000 simulated nodes converge in 30 s with it, not in 60 s without).
            localState = MemberState.ALIVE;
        }
    }

    /** One entry of a push-pull list: a member's identity, incarnation and state as the sender knows them. */
    private void merge(Message.Alive id, int inc, MemberState state, long now) {
        switch (state) {
            case ALIVE, JOINING, LEAVING -> onAlive(id.incarnation() == inc ? id
                    : new Message.Alive(id.name(), id.address(), inc, id.metadata()), now);
            case LEFT -> onDead(null, new Message.Dead(id.name(), inc, id.name()), now);
            // A remote "dead" is only a suspicion here: this node lets the member refute first.
            case DEAD, SUSPECT -> onSuspect(null, new Message.Suspect(id.name(), inc, name), now);
        }
    }

    /**
     * True when a join reply lists another live node under this node's name: the cluster keeps
     * the first owner of a name, so this node cannot join until that one is gone (a restart of a
     * crashed node elsewhere waits for the crash to be detected, usually a second or two).
     */
    private boolean claimedElsewhere(Message.PushPull reply) {
        for (Message.PushPull.Entry e : reply.entries()) {
            if (e.identity().name().equals(name) && !e.identity().address().equals(address) && !e.state().isGone()) {
                nameClaimedBy = e.identity().address();
                return true;
            }
        }
        return false;
    }

    /**
     * This node's member list for a push-pull: everything listed, plus the tombstones named in
     * {@code withTombstonesOf}, or every dead tombstone with {@code allDeadTombstones}.
     */
    private Message.PushPull snapshot(boolean join, boolean reply, Set<String> withTombstonesOf,
                                      boolean allDeadTombstones) {
        PushPullEntries.Builder entries = new PushPullEntries.Builder(table.listedCount());
        // Summed from the table's flat sizes: walking every identity again to size the message
        // cost a fifth of a 5000-node simulation (a cache miss or more per member).
        int size = Message.PushPull.EMPTY_SIZE;
        for (int s = 0; s < table.highWater(); s++) {
            if (!table.inUse(s)) {
                continue;
            }
            if (table.isTombstone(s) && !(allDeadTombstones && table.state(s) == MemberState.DEAD)
                    && !withTombstonesOf.contains(table.identity(s).name())) {
                continue;
            }
            MemberState st = s == selfSlot && localState == MemberState.LEAVING ? MemberState.LEFT : table.state(s);
            entries.add(table.identity(s), table.incarnation(s), st);
            size += Message.PushPull.entrySize(table.identityBytes(s), table.incarnation(s));
        }
        return new Message.PushPull(join, reply, entries.build(), size);
    }

    private void reap(long now) {
        long retention = config.deadMemberRetention().toNanos();
        long ttl = config.tombstoneTtl().toNanos();
        for (int s = 0; s < table.highWater(); s++) {
            if (s == selfSlot || !table.inUse(s) || !table.state(s).isGone()) {
                continue;
            }
            long age = now - table.changedAtNanos(s);
            if (age >= ttl) {
                table.remove(s);
            } else if (age >= retention) {
                table.markTombstone(s);
            }
        }
    }

    // ------------------------------------------------------------------ sending

    private void gossip() {
        int n = pickRandom(config.gossipFanout(), gossipTarget);
        int limit = config.retransmitLimit(table.listedCount());
        for (int i = 0; i < n && !queue.isEmpty(); i++) {
            List<Message> msgs = new ArrayList<>(PACKET_LIST_CAPACITY);
            int used = queue.fill(msgs, config.maxPacketBytes() - PACKET_HEADER_BYTES, MESSAGE_OVERHEAD_BYTES, limit,
                    currency);
            if (!msgs.isEmpty()) {
                out.sendPacket(table.identity(picked[i]).address(), msgs, PACKET_HEADER_BYTES + used);
                gossipSent += msgs.size();
            }
        }
    }

    /** Sends {@code primary} (and {@code extra}, if any) with as much queued gossip as fits. */
    private void sendPacket(Address to, Message primary, Message extra) {
        List<Message> msgs = new ArrayList<>(PACKET_LIST_CAPACITY);
        msgs.add(primary);
        int used = PACKET_HEADER_BYTES + primary.encodedSize() + MESSAGE_OVERHEAD_BYTES;
        if (extra != null) {
            msgs.add(extra);
            used += extra.encodedSize() + MESSAGE_OVERHEAD_BYTES;
        }
        if (!queue.isEmpty()) {
            int own = msgs.size();
            used += queue.fill(msgs, config.maxPacketBytes() - used, MESSAGE_OVERHEAD_BYTES,
                    config.retransmitLimit(table.listedCount()), currency);
            gossipSent += msgs.size() - own;
        }
        out.sendPacket(to, msgs, used);
    }

    /** Queues a fact about the member in {@code slot}, as of the slot's current version. */
    private void enqueue(int slot, Message fact) {
        queue.add(fact, slot, table.version(slot));
    }

    // ------------------------------------------------------------------ helpers

    /** Up to {@code k} distinct random slots passing {@code eligible}, into {@link #picked}. */
    private int pickRandom(int k, IntPredicate eligible) {
        return table.pickRandom(k, eligible, random, picked);
    }

    private boolean isProbeable(int s) {
        if (s == selfSlot || table.isTombstone(s)) {
            return false;
        }
        MemberState st = table.state(s);
        return st == MemberState.ALIVE || st == MemberState.SUSPECT;
    }

    private boolean isGossipTarget(int s) {
        if (s == selfSlot || table.isTombstone(s)) {
            return false;
        }
        // Gossip to the recently dead too (until they become tombstones), so they can refute.
        return table.state(s) != MemberState.LEFT;
    }

    private boolean isAliveOther(int s) {
        return s != selfSlot && !table.isTombstone(s) && table.state(s) == MemberState.ALIVE;
    }

    private boolean isDeadOther(int s) {
        return s != selfSlot && table.state(s) == MemberState.DEAD;
    }

    /** Takes a new incarnation and gossips this node's alive message with it. */
    private Message.Alive announceSelf(int newIncarnation) {
        incarnation = newIncarnation;
        Message.Alive a = selfAlive();
        table.setIdentity(selfSlot, a);
        table.setIncarnation(selfSlot, incarnation);
        enqueue(selfSlot, a);
        return a;
    }

    private Message.Alive selfAlive() {
        return new Message.Alive(name, address, incarnation, metadata);
    }

    private void checkMetadata(Metadata m) {
        Objects.requireNonNull(m, "metadata");
        if (m.encodedSize() > config.maxMetadataBytes()) {
            throw new IllegalArgumentException("metadata is " + m.encodedSize()
                    + " bytes; the limit (max metadata bytes) is " + config.maxMetadataBytes());
        }
    }

    private void emit(MemberEvent.Type type, int slot) {
        out.event(new MemberEvent(type, table.snapshot(slot)));
    }
}
