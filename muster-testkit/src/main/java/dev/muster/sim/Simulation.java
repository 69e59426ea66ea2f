package dev.muster.sim;

import dev.muster.Address;
import dev.muster.MemberEvent;
import dev.muster.Metadata;
import dev.muster.membership.Membership;
import dev.muster.membership.MembershipConfig;
import dev.muster.membership.Message;
import dev.muster.membership.Outbox;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A whole cluster of pure membership cores on one thread, on a virtual clock, over a simulated
 * network, driven by one seeded PRNG (the FoundationDB / TigerBeetle VOPR idea). The same seed
 * and the same schedule give the same run, event for event: {@link #traceSha256()} digests every
 * membership event in order, so two runs can be compared byte for byte.
 *
 * <h2>Network</h2>
 * Each datagram is lost with probability {@code loss} and otherwise arrives after
 * {@code minLatency + Exp(meanExtraLatency)}, so packets reorder naturally. Streams (push-pull)
 * are not lost but take three one-way latencies (connection set-up). Links can be cut one way
 * ({@link #block}) or by a partition into sides ({@link #partition}); {@link #heal} restores all.
 * Traffic is counted with IPv4 headers: 28 bytes per datagram, 40 per stream segment plus 120 per
 * connection. A stream to a crashed node (or to an address no node holds) is refused after one
 * round trip, as a connection to a closed port on a live host is; across a cut it times out
 * silently.
 *
 * <h2>Node faults</h2>
 * Crash (the node is gone: its packets are dropped, like a refused port), pause (a stall, such as
 * a long GC or SIGSTOP: nothing runs, arriving packets wait in a bounded receive buffer; on resume
 * the overdue timers run first and then the buffered packets, the order in which a starved
 * process notices that time has passed before it reads its socket), restart under the same name
 * (a new core, same or new address, incarnation from the clock), and graceful leave.
 *
 * <h2>Concurrency</h2>
 * Single-threaded; not thread-safe.
 */
public final class Simulation {

    /** Receives every membership event: who saw it, when, and what. */
    public interface Listener {
        void onEvent(long nowNanos, int observer, MemberEvent event);
    }

    /** UDP/IPv4 header bytes per datagram, counted into traffic. */
    public static final int DATAGRAM_HEADER_BYTES = 28;
    /** Packets a paused node's receive buffer holds; more are dropped, as a socket buffer would. */
    public static final int MAX_HELD_PACKETS = 4096;

    private static final int KIND_TIMER = 0;
    private static final int KIND_PACKET = 1;
    private static final int KIND_STREAM = 2;
    private static final int KIND_ACTION = 3;
    private static final int KIND_REFUSED = 4;

    /** A packet or stream held in a paused node's receive buffer. */
    private record Held(int kind, Address from, Address to, Object payload) {
    }

    /** One simulated node. */
    private final class Node implements Outbox {
        final int index;
        final String name;
        final List<Address> seeds;
        Address address;
        Membership membership;
        boolean up;
        boolean paused;
        long timerAt = Long.MAX_VALUE;
        int startIncarnation;
        final ArrayDeque<Held> held = new ArrayDeque<>();

        Node(int index, String name, Address address, List<Address> seeds) {
            this.index = index;
            this.name = name;
            this.address = address;
            this.seeds = seeds;
        }

        @Override
        public void sendPacket(Address to, List<Message> messages, int payloadBytes) {
            Simulation.this.sendPacket(this, to, messages, payloadBytes);
        }

        @Override
        public void sendStream(Address to, Message message) {
            Simulation.this.sendStream(this, to, message);
        }

        @Override
        public void event(MemberEvent event) {
            Simulation.this.onEvent(index, event);
        }
    }

    private final MembershipConfig config;
    private final SplittableRandom random;
    private final double loss;
    private final long minLatencyNanos;
    private final double meanExtraLatencyNanos;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<Address, Node> byAddress = new HashMap<>();
    private final EventQueue queue = new EventQueue();
    private final List<Listener> listeners = new ArrayList<>();
    private final Set<Long> blockedLinks = new HashSet<>();
    private int[] side = new int[0];
    private final MessageDigest trace;
    /** Trace bytes not yet digested: one digest update per 8 KB instead of two per event (10^8 events at 10,000 nodes). */
    private final byte[] traceBuffer = new byte[8192];
    private int tracePosition;
    private long now;
    private int upCount;

    private long packetsSent;
    private long streamsSent;
    private long bytesSent;
    private long eventsProcessed;
    private long membershipEvents;

    /**
     * @param loss probability that a datagram is lost, 0 to 1
     * @param minLatencyNanos one-way latency floor
     * @param meanExtraLatencyNanos mean of the exponential part of the one-way latency
     */
    public Simulation(MembershipConfig config, long seed, double loss, long minLatencyNanos,
                      long meanExtraLatencyNanos) {
        if (!(loss >= 0 && loss <= 1)) {
            throw new IllegalArgumentException("loss (" + loss + ") must be between 0 and 1");
        }
        if (minLatencyNanos < 0 || meanExtraLatencyNanos < 0) {
            throw new IllegalArgumentException("latencies must not be negative");
        }
        this.config = config;
        this.random = new SplittableRandom(seed);
        this.loss = loss;
        this.minLatencyNanos = minLatencyNanos;
        this.meanExtraLatencyNanos = meanExtraLatencyNanos;
        try {
            this.trace = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /**
     * Adds a node that starts at {@code startAtNanos} and joins through {@code seeds}.
     *
     * @return the node's index
     */
    public int addNode(String name, Address address, List<Address> seeds, long startAtNanos) {
        if (byAddress.containsKey(address)) {
            throw new IllegalArgumentException("address " + address + " is taken");
        }
        Node n = new Node(nodes.size(), name, address, List.copyOf(seeds));
        nodes.add(n);
        byAddress.put(address, n);
        side = Arrays.copyOf(side, nodes.size());
        schedule(startAtNanos, () -> boot(n));
        return n.index;
    }

    /** Runs {@code action} at {@code atNanos} on the simulation thread. */
    public void schedule(long atNanos, Runnable action) {
        push(Math.max(atNanos, now), KIND_ACTION, -1, null, null, action);
    }

    /** Crashes node {@code i} at once: no goodbye, packets to it are dropped. */
    public void crash(int i) {
        Node n = nodes.get(i);
        if (n.up) {
            upCount--;
        }
        n.up = false;
        n.paused = false;
        n.held.clear();
        n.timerAt = Long.MAX_VALUE;
    }

    /** Stalls node {@code i} for {@code durationNanos}. */
    public void pause(int i, long durationNanos) {
        Node n = nodes.get(i);
        if (!n.up || n.paused) {
            return;
        }
        n.paused = true;
        schedule(now + durationNanos, () -> resume(n));
    }

    /** Restarts node {@code i} under the same name, at {@code newAddress} if not null. */
    public void restart(int i, Address newAddress) {
        Node n = nodes.get(i);
        crash(i);
        if (newAddress != null && !newAddress.equals(n.address)) {
            if (byAddress.containsKey(newAddress)) {
                throw new IllegalArgumentException("address " + newAddress + " is taken");
            }
            byAddress.remove(n.address);
            n.address = newAddress;
            byAddress.put(newAddress, n);
        }
        boot(n);
    }

    /** Node {@code i} leaves gracefully. */
    public void leave(int i) {
        Node n = nodes.get(i);
        if (n.up && !n.paused) {
            n.membership.leave(now);
            reschedule(n);
        }
    }

    /** Hands {@code message} to node {@code i} now, as if {@code from} had sent it (for false rumours). */
    public void inject(int i, Address from, Message message) {
        Node n = nodes.get(i);
        if (n.up && !n.paused) {
            n.membership.receive(from, message, now);
            reschedule(n);
        }
    }

    /** Cuts traffic from node {@code from} to node {@code to} (one way). */
    public void block(int from, int to) {
        blockedLinks.add(((long) from << 32) | to);
    }

    /** Splits the cluster: nodes in {@code oneSide} and the rest cannot reach each other. */
    public void partition(Set<Integer> oneSide) {
        for (int i = 0; i < side.length; i++) {
            side[i] = oneSide.contains(i) ? 1 : 0;
        }
    }

    /** Removes every cut and partition. */
    public void heal() {
        blockedLinks.clear();
        Arrays.fill(side, 0);
    }

    /** Processes events up to and including {@code untilNanos}; the clock ends there. */
    public void runUntil(long untilNanos) {
        EventQueue q = queue;
        while (!q.isEmpty() && q.peekTime() <= untilNanos) {
            q.poll();
            now = q.polledTime;
            eventsProcessed++;
            switch (q.polledKind) {
                case KIND_TIMER -> onTimer(nodes.get(q.polledNode), q.polledTime);
                case KIND_PACKET, KIND_STREAM -> deliver(q.polledKind, q.polledNode, (Address) q.polledFrom,
                        (Address) q.polledTo, q.polledPayload);
                case KIND_REFUSED -> refusedAt(nodes.get(q.polledNode), (Address) q.polledTo, q.polledPayload);
                default -> ((Runnable) q.polledPayload).run();
            }
        }
        now = Math.max(now, untilNanos);
    }

    // ------------------------------------------------------------------ reads

    public long nowNanos() {
        return now;
    }

    public int size() {
        return nodes.size();
    }

    public Membership membership(int i) {
        return nodes.get(i).membership;
    }

    public String name(int i) {
        return nodes.get(i).name;
    }

    public Address address(int i) {
        return nodes.get(i).address;
    }

    /** Started, not crashed (a paused node is up). */
    public boolean isUp(int i) {
        return nodes.get(i).up;
    }

    /** Nodes started and not crashed. */
    public int upCount() {
        return upCount;
    }

    public boolean isPaused(int i) {
        return nodes.get(i).paused;
    }

    /** The incarnation node {@code i} started its current life with. */
    public int startIncarnation(int i) {
        return nodes.get(i).startIncarnation;
    }

    /** Index of the node named {@code name}, or -1. */
    public int indexOf(String name) {
        for (Node n : nodes) {
            if (n.name.equals(name)) {
                return n.index;
            }
        }
        return -1;
    }

    public long packetsSent() {
        return packetsSent;
    }

    public long streamsSent() {
        return streamsSent;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long eventsProcessed() {
        return eventsProcessed;
    }

    public long membershipEvents() {
        return membershipEvents;
    }

    /** SHA-256 over every membership event so far (time, observer, type, member, incarnation). */
    public String traceSha256() {
        try {
            flushTrace();
            MessageDigest copy = (MessageDigest) trace.clone();
            return HexFormat.of().formatHex(copy.digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ internals

    private void boot(Node n) {
        if (!n.up) {
            upCount++;
        }
        n.up = true;
        n.paused = false;
        n.held.clear();
        n.startIncarnation = (int) (now / 1_000_000_000L);
        n.membership = new Membership(config, n.name, n.address, Metadata.EMPTY, n.startIncarnation,
                random.split(), n, now);
        n.membership.start(n.seeds, now);
        reschedule(n);
    }

    private void resume(Node n) {
        if (!n.up || !n.paused) {
            return;
        }
        n.paused = false;
        if (Boolean.getBoolean("sim.timersFirst") && n.membership.nextDeadlineNanos() <= now) {
            n.membership.tick(now);
        }
        while (!n.held.isEmpty() && n.up) {
            Held h = n.held.poll();
            receive(n, h.kind(), h.from(), h.payload());
        }
        if (n.membership.nextDeadlineNanos() <= now) {
            n.membership.tick(now);
        }
        reschedule(n);
    }

    private void onTimer(Node n, long time) {
        if (!n.up || n.paused || n.timerAt != time) {
            return; // stale: the node was rescheduled, crashed or is stalled
        }
        n.timerAt = Long.MAX_VALUE;
        n.membership.tick(now);
        if (n.membership.nextDeadlineNanos() <= now) {
            // A tick must move every due deadline forward; otherwise the clock could never advance.
            throw new IllegalStateException(n.name + " still has a deadline due after its tick at "
                    + now + " ns (state " + n.membership.localState() + "): a bug in the membership core");
        }
        reschedule(n);
    }

    private void deliver(int kind, int node, Address from, Address to, Object payload) {
        Node n = nodes.get(node);
        if (!n.up || !n.address.equals(to)) {
            return;
        }
        if (n.paused) {
            if (n.held.size() < MAX_HELD_PACKETS) {
                n.held.add(new Held(kind, from, to, payload));
            }
            return;
        }
        receive(n, kind, from, payload);
        reschedule(n);
    }

    private void refusedAt(Node n, Address to, Object askerAddress) {
        if (n.up && !n.paused && n.address.equals(askerAddress)) {
            n.membership.refused(to, now);
            reschedule(n);
        }
    }

    @SuppressWarnings("unchecked")
    private void receive(Node n, int kind, Address from, Object payload) {
        if (kind == KIND_PACKET) {
            n.membership.receive(from, (List<Message>) payload, now);
        } else {
            n.membership.receiveStream(from, (Message) payload, now);
        }
    }

    private void reschedule(Node n) {
        if (!n.up) {
            return;
        }
        long d = n.membership.nextDeadlineNanos();
        if (d == Long.MAX_VALUE) {
            n.timerAt = Long.MAX_VALUE;
            return;
        }
        long at = Math.max(d, now);
        if (at != n.timerAt) {
            n.timerAt = at;
            push(at, KIND_TIMER, n.index, null, null, null);
        }
    }

    private void sendPacket(Node from, Address to, List<Message> messages, int payloadBytes) {
        packetsSent++;
        bytesSent += DATAGRAM_HEADER_BYTES + payloadBytes;
        Node target = byAddress.get(to);
        if (target == null || cut(from.index, target.index) || random.nextDouble() < loss) {
            return;
        }
        push(now + latency(), KIND_PACKET, target.index, from.address, to, messages);
    }

    private void sendStream(Node from, Address to, Message message) {
        int size = message.encodedSize();
        streamsSent++;
        bytesSent += size + 40L * ((size + 1399) / 1400) + 120;
        Node target = byAddress.get(to);
        if (target != null && (cut(from.index, target.index) || cut(target.index, from.index))) {
            return; // the connection times out; the core retries on its own schedule
        }
        if (target == null || !target.up) {
            // the host answers but nothing listens on the port: the connection is refused
            push(now + 2 * latency(), KIND_REFUSED, from.index, null, to, from.address);
            return;
        }
        push(now + 3 * latency(), KIND_STREAM, target.index, from.address, to, message);
    }

    private boolean cut(int from, int to) {
        return side[from] != side[to] || (!blockedLinks.isEmpty() && blockedLinks.contains(((long) from << 32) | to));
    }

    private long latency() {
        double u = random.nextDouble();
        return minLatencyNanos + (long) (-Math.log(1 - u) * meanExtraLatencyNanos);
    }

    private void push(long time, int kind, int node, Address from, Address to, Object payload) {
        queue.add(time, kind, node, from, to, payload);
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }

    private void putInt(int v) {
        byte[] b = traceBuffer;
        int p = tracePosition;
        b[p] = (byte) (v >>> 24);
        b[p + 1] = (byte) (v >>> 16);
        b[p + 2] = (byte) (v >>> 8);
        b[p + 3] = (byte) v;
        tracePosition = p + 4;
    }

    private void flushTrace() {
        trace.update(traceBuffer, 0, tracePosition);
        tracePosition = 0;
    }

    private void onEvent(int observer, MemberEvent event) {
        membershipEvents++;
        String name = event.member().name();
        int length = name.length();
        // the same bytes as ever (big-endian fields, then the name's UTF-16 code units), so the
        // digest of a run is unchanged
        if (tracePosition + 21 > traceBuffer.length) {
            flushTrace();
        }
        putLong(now);
        putInt(observer);
        traceBuffer[tracePosition++] = (byte) event.type().ordinal();
        putInt(event.member().incarnation());
        putInt(length);
        for (int c = 0; c < length; c++) {
            if (tracePosition + 2 > traceBuffer.length) {
                flushTrace();
            }
            char ch = name.charAt(c);
            traceBuffer[tracePosition++] = (byte) (ch >>> 8);
            traceBuffer[tracePosition++] = (byte) ch;
        }
        for (Listener l : listeners) {
            l.onEvent(now, observer, event);
        }
    }
}
