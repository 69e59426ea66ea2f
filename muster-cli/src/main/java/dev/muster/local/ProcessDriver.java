package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.Address;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.membership.Message;
import dev.muster.testkit.ClusterDriver;
import dev.muster.testkit.spi.ProcessClusters;
import dev.muster.wire.WireCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * {@link ClusterDriver} of {@code @ClusterTest(mode = PROCESS)}: a {@link LocalCluster} of
 * {@code muster serve} processes in a temporary directory, on a {@link PortBlock} this JVM holds,
 * each node with fault injection on and {@code --exit-with-parent} this JVM's pid, so the nodes
 * end by themselves when the test JVM dies (SIGKILL included) before it could stop them.
 *
 * <p>What a node sees is read through its REST API ({@code /api/cluster/nodes}, {@code
 * /api/cluster/info}); a crash is SIGKILL, a leave SIGTERM (the node leaves gracefully); a restart
 * starts the node under its name, ports and data directory. A cut is a black hole rule set through
 * {@code POST /api/faults} at the node that cannot reach the other (both directions at that node,
 * as in {@link dev.muster.testkit.EmbeddedDriver}); the cuts are remembered, so a restarted node
 * gets its own back; a heal is {@code DELETE /api/faults} on every node. LAN timing, except that
 * the dead stay listed 10 s and push-pull runs every 5 s, as embedded. Member-event listeners
 * cannot reach into other processes: {@link #addListener} throws.
 *
 * <p>Not thread-safe, as every driver; each cluster has its own. Registered as the
 * {@link ProcessClusters} provider in {@code META-INF/services}.
 */
public final class ProcessDriver implements ClusterDriver {

    /** The provider {@link java.util.ServiceLoader} finds. Thread-safe: it only makes drivers. */
    public static final class Provider implements ProcessClusters {
        @Override
        public ClusterDriver driver() {
            return new ProcessDriver();
        }
    }

    private static final String HOST = "127.0.0.1";
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration DEAD_MEMBER_RETENTION = Duration.ofSeconds(10);
    private static final Duration PUSH_PULL_INTERVAL = Duration.ofSeconds(5);
    /** How long a node may take to start and join: a JVM on a busy two-core machine with room. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** Nodes spawned at once: the seeds, then the rest, so a small machine is not flooded with JVMs. */
    private static final int BATCH = 3;
    /** How long a killed node's process may take to go away at close. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(20);
    /** Small heaps and a quick JIT: a test node holds a few members, not a production load. */
    private static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xss512k", "-Xmx128m");
    private static final String NODE_CONFIG = "test-node.yaml";

    private PortBlock ports;
    private Path root;
    private LocalCluster cluster;
    private NodeClient client;
    private boolean[] up = new boolean[0];
    /** Cuts set so far, (from, to) 0-based: put back on a restarted node, cleared by a heal. */
    private final Set<List<Integer>> cuts = new LinkedHashSet<>();

    @Override
    public void start(int n) throws Exception {
        ports = PortBlock.reserve(n, HOST);
        root = Files.createTempDirectory("muster-test-");
        Files.writeString(root.resolve(NODE_CONFIG), "membership:\n  dead-member-retention: "
                + DEAD_MEMBER_RETENTION.toSeconds() + "s\n  push-pull-interval: " + PUSH_PULL_INTERVAL.toSeconds()
                + "s\nfaults: {enabled: true}\n");
        cluster = LocalCluster.create(root, "test-" + ports.base(), n, "process", HOST, ports.base(), ports.httpBase(),
                ports.spacing(), JVM_OPTIONS)
                .withServeOptions(List.of("--config", root.resolve(NODE_CONFIG).toString(),
                        "--exit-with-parent", Long.toString(ProcessHandle.current().pid())));
        client = new NodeClient(HOST, cluster.token().orElse(null));
        up = new boolean[n];
        cluster.start(BATCH, false, START_TIMEOUT, (phase, done, total) -> { });
        java.util.Arrays.fill(up, true);
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

    @Override public int size() { return up.length; }
    @Override public String name(int i) { return cluster.name(i + 1); }
    @Override public Address address(int i) { return new Address(HOST, cluster.gossipPort(i + 1)); }
    @Override public boolean isUp(int i) { return up[i]; }

    @Override
    public MemberState stateSeenBy(int observer, String member) {
        return get(observer, "/api/cluster/nodes/" + member).map(m -> state(m.path("state").asText())).orElse(null);
    }

    @Override
    public int aliveSeenBy(int observer) {
        return get(observer, "/api/cluster/info").map(j -> j.path("alive").asInt()).orElse(0);
    }

    @Override
    public List<Member> membersSeenBy(int observer) {
        List<Member> out = new ArrayList<>();
        get(observer, "/api/cluster/nodes").ifPresent(list -> list.forEach(m -> out.add(member(m))));
        return out;
    }

    @Override
    public int incarnation(int i) {
        return get(i, "/api/cluster/info").map(j -> j.path("incarnation").asInt()).orElse(-1);
    }

    @Override
    public boolean hasLeft(int i) {
        return !up[i];
    }

    @Override
    public void crash(int i) {
        up[i] = false;
        cluster.kill(i + 1);
    }

    @Override
    public void leave(int i) {
        up[i] = false;
        cluster.stop(i + 1);
    }

    @Override
    public void restart(int i, boolean newAddress) {
        if (newAddress) {
            throw new UnsupportedOperationException("PROCESS mode restarts a node at its own ports only: they are"
                    + " reserved for the cluster (restart(i, false))");
        }
        cluster.startNode(i + 1, START_TIMEOUT);
        up[i] = true;
        for (List<Integer> cut : cuts) {
            if (cut.get(0) == i) {
                blackhole(i, cut.get(1));
            }
        }
    }

    @Override
    public void partition(Set<Integer> side) {
        for (int a : side) {
            for (int b = 0; b < size(); b++) {
                if (!side.contains(b)) {
                    block(a, b);
                    block(b, a);
                }
            }
        }
    }

    @Override
    public void heal() {
        cuts.clear();
        for (int i = 0; i < size(); i++) {
            if (up[i]) {
                send(i, "DELETE", "/api/faults", null);
            }
        }
    }

    @Override
    public void block(int from, int to) {
        cuts.add(List.of(from, to));
        if (up[from]) {
            blackhole(from, to); // a node that is down gets it when it restarts
        }
    }

    private void blackhole(int from, int to) {
        send(from, "POST", "/api/faults", "{\"peer\": \"" + address(to) + "\", \"blackhole\": true}");
    }

    /** A suspicion packet sent to the node's gossip port, as a peer would: works across processes. */
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
        throw new UnsupportedOperationException("PROCESS mode cannot hand member events of other processes to a"
                + " listener; poll what a node sees (TestNode.stateOf, ClusterDriver.stateSeenBy) instead");
    }

    @Override public Duration deadMemberRetention() { return DEAD_MEMBER_RETENTION; }
    @Override public Duration pushPullInterval() { return PUSH_PULL_INTERVAL; }
    /** Separate JVMs on a shared machine: more room than embedded nodes. */
    @Override public double slack() { return 3.0; }

    /** Node {@code i}'s process id, -1 when it does not run. */
    long pid(int i) {
        return cluster.pid(i + 1).orElse(-1);
    }

    /** The cluster directory, removed at {@link #close}. */
    Path directory() {
        return root;
    }

    @Override
    public long nowNanos() {
        return System.nanoTime();
    }

    /** Where the nodes run: the directory, and each node's pid and ports. */
    @Override
    public String details() {
        if (cluster == null) {
            return "";
        }
        List<String> nodes = new ArrayList<>();
        for (int i = 1; i <= size(); i++) {
            nodes.add(cluster.name(i) + " " + (up[i - 1] ? "pid " + cluster.pid(i).orElse(-1) : "down") + " gossip "
                    + cluster.gossipPort(i) + " http " + cluster.httpPort(i));
        }
        return "processes in " + root + " (node-1's log is " + cluster.logFile(1) + "; removed when the test ends): "
                + String.join(", ", nodes);
    }

    /**
     * SIGKILL to every node (a test's end needs no graceful leave), then the directory and the
     * ports go. Whatever fails here is reported after everything else was tried.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        try {
            if (cluster != null) {
                List<ProcessHandle> running = new ArrayList<>();
                for (int i = 1; i <= size(); i++) {
                    cluster.pid(i).stream().mapToObj(ProcessHandle::of).flatMap(java.util.Optional::stream)
                            .forEach(running::add);
                    if (cluster.isRunning(i)) {
                        cluster.kill(i);
                    }
                }
                LocalCluster.clean(root); // and any node whose pid file was lost
                long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
                for (ProcessHandle p : running) {
                    while (p.isAlive() && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(POLL.toNanos());
                    }
                    if (p.isAlive()) {
                        failure = new IllegalStateException("node process " + p.pid() + " of " + root
                                + " did not exit within " + dev.muster.Durations.format(EXIT_WAIT) + " of SIGKILL");
                    }
                }
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        if (root != null) {
            Trees.delete(root);
        }
        if (ports != null) {
            ports.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private java.util.Optional<JsonNode> get(int i, String path) {
        return client.get(cluster.httpPort(i + 1), path);
    }

    /**
     * Sends a fault change to node {@code i}.
     *
     * @throws IllegalStateException with the node's answer when it does not take it
     */
    private void send(int i, String method, String path, String body) {
        NodeClient.Answer a = client.send(cluster.httpPort(i + 1), method, path, body, NodeClient.TIMEOUT)
                .orElseThrow(() -> new IllegalStateException(name(i) + " did not answer " + method + " " + path
                        + "; its log " + cluster.logFile(i + 1) + " ends with:\n" + cluster.tail(i + 1, 5)));
        if (a.status() != 200) {
            throw new IllegalStateException(name(i) + " refused " + method + " " + path + (body == null ? "" : " " + body)
                    + ": " + a.status() + " " + a.body());
        }
    }

    /** One entry of /api/cluster/nodes as a {@link Member}. */
    private static Member member(JsonNode m) {
        Map<String, String> metadata = new LinkedHashMap<>();
        m.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        return new Member(m.path("name").asText(), new Address(m.path("address").asText(), m.path("gossip_port").asInt()),
                m.path("incarnation").asInt(), state(m.path("state").asText()), Metadata.of(metadata));
    }

    /** A state as the REST API names it; null for one it does not name. */
    private static MemberState state(String jsonName) {
        for (MemberState s : MemberState.values()) {
            if (s.jsonName().equals(jsonName)) {
                return s;
            }
        }
        return null;
    }
}
