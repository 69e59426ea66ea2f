package dev.muster.testkit;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.membership.MembershipConfig;
import dev.muster.membership.Message;
import dev.muster.wire.WireCodec;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The scenario cluster on real loopback sockets: one {@link Cluster} per node in this JVM, each
 * on its own ports, with the fault filter on for partitions and cuts. LAN timing, except that
 * the dead stay listed 10 s and push-pull runs every 5 s, so a partition heals in seconds.
 */
public final class EmbeddedDriver implements ClusterDriver {

    private static final Duration POLL = Duration.ofMillis(50);

    private final MembershipConfig membership = MembershipConfig.lan().toBuilder()
            .deadMemberRetention(Duration.ofSeconds(10))
            .pushPullInterval(Duration.ofSeconds(5))
            .build();
    private final List<Cluster> nodes = new ArrayList<>();
    private final List<Boolean> up = new ArrayList<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private List<Address> seeds = List.of();

    private ClusterConfig config(int i, int port) {
        return ClusterConfig.builder()
                .clusterName("scenarios")
                .nodeName("node-" + (i + 1))
                .bindHost("127.0.0.1")
                .port(port)
                .seeds(seeds)
                .httpPort(-1)
                .faultInjection(true)
                .joinTimeout(Duration.ofSeconds(30))
                .membership(membership)
                .build();
    }

    private Cluster startNode(int i, int port) {
        Cluster node = Cluster.start(config(i, port));
        node.subscribe(e -> listeners.forEach(l -> l.event(i, e)));
        return node;
    }

    @Override
    public void start(int n) {
        for (int i = 0; i < n; i++) {
            Cluster node = startNode(i, 0);
            nodes.add(node);
            up.add(true);
            if (i < 3) {
                List<Address> more = new ArrayList<>(seeds);
                more.add(node.address());
                seeds = List.copyOf(more);
            }
        }
    }

    @Override
    public boolean await(Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    @Override
    public void pass(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < deadline) {
            LockSupport.parkNanos(Math.min(POLL.toNanos(), deadline - System.nanoTime()));
        }
    }

    @Override public int size() { return nodes.size(); }
    @Override public String name(int i) { return "node-" + (i + 1); }
    @Override public Address address(int i) { return nodes.get(i).address(); }
    @Override public boolean isUp(int i) { return up.get(i); }

    @Override
    public MemberState stateSeenBy(int observer, String member) {
        Optional<Member> m = nodes.get(observer).member(member);
        return m.map(Member::state).orElse(null);
    }

    @Override
    public int aliveSeenBy(int observer) {
        return nodes.get(observer).info().alive();
    }

    @Override
    public List<Member> membersSeenBy(int observer) {
        return nodes.get(observer).members();
    }

    @Override
    public int incarnation(int i) {
        return nodes.get(i).localMember().incarnation();
    }

    @Override
    public boolean hasLeft(int i) {
        return !up.get(i);
    }

    @Override
    public void crash(int i) {
        up.set(i, false);
        nodes.get(i).close();
    }

    @Override
    public void leave(int i) {
        up.set(i, false);
        nodes.get(i).leave(Duration.ofSeconds(5));
    }

    @Override
    public void restart(int i, boolean newAddress) {
        int port = newAddress ? 0 : nodes.get(i).address().port();
        nodes.set(i, startNode(i, port));
        up.set(i, true);
    }

    @Override
    public void partition(Set<Integer> side) {
        for (int a : side) {
            for (int b = 0; b < nodes.size(); b++) {
                if (!side.contains(b)) {
                    nodes.get(a).faults().blackhole(address(b));
                    nodes.get(b).faults().blackhole(address(a));
                }
            }
        }
    }

    @Override
    public void heal() {
        for (int i = 0; i < nodes.size(); i++) {
            if (up.get(i)) {
                nodes.get(i).faults().healAll();
            }
        }
    }

    @Override
    public void block(int from, int to) {
        nodes.get(from).faults().blackhole(address(to));
    }

    @Override
    public void injectSuspect(int to, String member, int incarnation, String by) throws Exception {
        byte[] packet = new WireCodec().encodePacket(List.of(new Message.Suspect(member, incarnation, by)));
        Address target = address(to);
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            socket.send(new DatagramPacket(packet, packet.length, InetAddress.getByName(target.host()), target.port()));
        }
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override public Duration deadMemberRetention() { return membership.deadMemberRetention(); }
    @Override public Duration pushPullInterval() { return membership.pushPullInterval(); }
    @Override public double slack() { return 2.0; }

    @Override
    public java.util.Optional<Cluster> cluster(int i) {
        return up.get(i) ? java.util.Optional.of(nodes.get(i)) : java.util.Optional.empty();
    }

    @Override
    public long nowNanos() {
        return System.nanoTime();
    }

    @Override
    public void close() {
        for (int i = 0; i < nodes.size(); i++) {
            if (up.get(i)) {
                nodes.get(i).close();
            }
        }
    }
}
