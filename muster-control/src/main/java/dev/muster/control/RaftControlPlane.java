package dev.muster.control;

import dev.muster.balance.BalancingStrategy;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.muster.Cluster;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.Subscription;
import dev.muster.control.proto.Command;
import dev.muster.control.proto.Reply;
import dev.muster.control.proto.State;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane over Apache Ratis: one Raft group per cluster, whose voters are some of the
 * nodes (the replicas) and whose leader is the cluster leader.
 *
 * <p><b>Forming the group.</b> Designated replicas (configured, or nodes 1..3 of a local cluster)
 * publish their Raft endpoint in membership metadata and wait until {@code expect} of them see
 * each other alive; then each starts its Raft server with the same group (the first
 * {@code expect} by index), as Consul's bootstrap-expect does. Once any group exists (some alive
 * member publishes a leader claim or a voter list) nobody bootstraps again: a node with a stored
 * log recovers it, a node the leader promotes joins with an empty log and is caught up.
 *
 * <p><b>Knowing the leader.</b> Each running replica publishes {@code term:leader} as Ratis tells
 * it; the leader also publishes the voters. Every node takes the claim with the highest term
 * among alive members, so it learns of a new leader as fast as gossip spreads one metadata
 * update (sub-second), and of a dead one as soon as membership marks it dead.
 *
 * <p><b>Keeping the group at size.</b> The leader replaces a voter that membership shows dead or
 * gone for {@code replace-after} by promoting another node (Ratis membership change); one change
 * at a time. A node that runs a server but has not been in the leader's voter list for
 * {@link #DEMOTE_AFTER} (it was replaced while it was down) stops it and sets its log aside.
 *
 * <p><b>Threading.</b> A shared timer thread runs {@link #tick} every {@value #TICK_MILLIS} ms
 * and after member events; it only reads state and publishes metadata. Everything that blocks
 * (starting a Raft server, membership changes, state refreshes) runs on virtual threads. Writes
 * block their caller. {@code lock} guards the server, the client and the bookkeeping below it.
 */
final class RaftControlPlane implements ControlPlane {

    private static final Logger LOG = LoggerFactory.getLogger(RaftControlPlane.class);

    static final long TICK_MILLIS = 100;
    /**
     * A node without a Raft server (a client of the group) learns everything it acts on from
     * member events, which tick it at once; its periodic tick only catches up, so it runs at most
     * this often. At 100 ms it was a third of an idle client node's CPU.
     */
    static final long CLIENT_TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long a running server may be outside the leader's voter list before it stops. */
    static final Duration DEMOTE_AFTER = Duration.ofSeconds(10);
    /** The leader publishes the state's version at most this often (metadata updates are gossip). */
    static final long VERSION_PUBLISH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** Time a membership change may take: the new voter must start and catch up first. */
    static final Duration RECONFIGURE_TIMEOUT = Duration.ofSeconds(20);
    static final String VERSION = "state-version";
    /** Marks a refusal for a writer the fault filter cuts off: reported as unavailable, not rejected. */
    static final String PARTITIONED = "partitioned: ";
    /** A Ratis client unused this long is closed: it owns a thread, and a node at rest should not. */
    static final long CLIENT_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Pause between attempts of a call that failed at once (an election in progress). */
    static final Duration RETRY_PAUSE = Duration.ofMillis(50);
    /** Wait after a Raft server failed to start (its port taken, its disk full) before trying again. */
    static final Duration START_RETRY = Duration.ofSeconds(2);

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "muster-control-timer");
        t.setDaemon(true);
        return t;
    });
    private static final ExecutorService BLOCKING = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("muster-control-", 0).factory());

    private final Cluster node;
    private final ControlConfig config;
    private final String self;
    private final RaftGroupId groupId;
    private final Path storageRoot;
    private final Path tempDir;
    private final String endpoint;
    private final boolean designated;
    private final int target;
    private final Object lock = new Object();
    private final CopyOnWriteArrayList<Consumer<LeaderChanged>> listeners = new CopyOnWriteArrayList<>();
    private final SerialExecutor events = new SerialExecutor(BLOCKING);

    // guarded by lock
    private RaftServer server;
    private ControlStateMachine machine;
    private boolean starting;
    private volatile long lastTickNanos = System.nanoTime() - CLIENT_TICK_NANOS;
    private boolean reconfiguring;
    private String promoting;
    private RaftClient client;
    private String clientPeers = "";
    private long clientUsedNanos;
    private final Map<String, Long> goneSinceNanos = new HashMap<>();
    private long outsideSinceNanos;
    private long divisionClosedSinceNanos;
    private long lastDivisionRestartNanos;
    /** How long a division must stay closed before the server is restarted: a closing one may be a stop in progress. */
    private static final Duration DIVISION_CLOSED_GRACE = Duration.ofSeconds(3);
    /** A second closed division within this window sets the log aside. */
    private static final Duration DIVISION_RESTART_WINDOW = Duration.ofSeconds(60);
    private long versionPublishedNanos;
    private long versionPublished = -1;
    private boolean refreshing;
    private final Coordinator coordinator = new Coordinator(java.util.random.RandomGenerator.of("L64X128MixRandom"));
    private boolean coordinating;
    private long retryStartAtNanos;

    private volatile Optional<LeaderInfo> leader = Optional.empty();
    private volatile List<String> voters = List.of();
    private volatile ControlState cached = ControlState.INITIAL;
    private volatile boolean closed;
    private ScheduledFuture<?> ticker;
    private Subscription memberEvents;

    private RaftControlPlane(Cluster node, ControlConfig config) {
        this.node = Objects.requireNonNull(node, "node");
        this.config = Objects.requireNonNull(config, "config");
        this.self = node.localMember().name();
        this.groupId = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
                ("muster-control:" + node.clusterName())
                        .getBytes(StandardCharsets.UTF_8)));
        try {
            this.tempDir = config.dataDir() == null ? Files.createTempDirectory("muster-control-") : null;
            Path data = config.dataDir() == null ? tempDir : config.dataDir();
            this.storageRoot = data.resolve("raft");
            Files.createDirectories(storageRoot);
        } catch (IOException e) {
            throw new ControlException(ControlException.Reason.UNAVAILABLE,
                    "control.data-dir: cannot create " + config.dataDir() + ": " + e.getMessage(), e);
        }
        String host = node.address().host();
        int port = raftPort(node, config);
        this.endpoint = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        int size = node.info().clusterSize();
        int index = node.info().index() > 0 ? node.info().index() : Claims.index(self);
        this.target = size > 0 && size < config.replicas() ? (size >= 3 ? 3 : 1) : config.replicas();
        this.designated = config.replica() != null ? config.replica() : index >= 1 && index <= target;
    }

    static RaftControlPlane start(Cluster node, ControlConfig config) {
        RaftControlPlane p = new RaftControlPlane(node, config);
        if (p.faultsEnabled()) {
            RaftFaults.register(p.self, node);
        }
        p.publish(node.members());
        if (p.hasStoredLog()) {
            p.startServer(RaftGroup.valueOf(p.groupId), RaftStorage.StartupOption.RECOVER);
        }
        p.memberEvents = node.subscribe(e -> p.kick());
        p.ticker = TIMER.scheduleWithFixedDelay(p::periodicTick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return p;
    }

    private static int raftPort(Cluster node, ControlConfig config) {
        int port = config.port() == -1 ? node.address().port() + 2 : config.port();
        if (port == 0 || port > 65_535) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(node.address().host(), 0));
                return s.getLocalPort();
            } catch (IOException e) {
                throw new ControlException(ControlException.Reason.UNAVAILABLE, "no free port for Raft: " + e, e);
            }
        }
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(node.address().host(), port));
        } catch (IOException e) {
            throw new ControlException(ControlException.Reason.UNAVAILABLE, "control.port " + port + " on "
                    + node.address().host() + " is in use (the Raft port; -1 means gossip port + 2): " + e.getMessage()
                    + " — is another node running there? try 'muster clean' or another port", e);
        }
        return port;
    }

    private boolean hasStoredLog() {
        return Files.isDirectory(storageRoot.resolve(groupId.getUuid().toString()));
    }

    // ------------------------------------------------------------------ the tick

    private void kick() {
        if (!closed) {
            TIMER.execute(this::safeTick);
        }
    }

    /** The timer's tick: every time on a node with a Raft server, else once per {@link #CLIENT_TICK_NANOS}. */
    private void periodicTick() {
        synchronized (lock) {
            if (server == null && !starting && System.nanoTime() - lastTickNanos < CLIENT_TICK_NANOS) {
                return;
            }
        }
        safeTick();
    }

    private void safeTick() {
        try {
            tick();
        } catch (IllegalStateException closedNode) {
            // the node closed under us; close() follows
        } catch (RuntimeException e) {
            LOG.warn("{}: control plane tick failed", self, e);
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        lastTickNanos = System.nanoTime();
        List<Member> members = node.members();
        Optional<LeaderInfo> before = leader;
        synchronized (lock) {
            if (closed) {
                return; // close() ran since the check above: start nothing
            }
            if (server == null && !starting) {
                maybeStartServer(members);
            }
            DivisionInfo info = division();
            Optional<LeaderInfo> gossip = Claims.leader(members);
            Optional<LeaderInfo> mine = Optional.empty();
            if (info != null && info.getLeaderId() != null) {
                mine = Optional.of(new LeaderInfo(info.getLeaderId().toString(), info.getCurrentTerm()));
            }
            leader = mine.isPresent() && (gossip.isEmpty() || mine.get().term() >= gossip.get().term()) ? mine : gossip;
            voters = info != null ? confVoters() : Claims.voters(members, leader);
            if (info != null && info.isLeader()) {
                leaderDuties(members);
                coordinate(members);
            }
            publish(members);
            if (client != null && System.nanoTime() - clientUsedNanos > CLIENT_IDLE_NANOS) {
                discard(client);
            }
            if (server != null && !starting) {
                checkStillVoter(members);
            } else {
                refreshCache(members);
            }
        }
        if (!leader.equals(before)) {
            LeaderChanged e = new LeaderChanged(before, leader);
            synchronized (this) {
                notifyAll();
            }
            for (Consumer<LeaderChanged> l : listeners) {
                events.execute(() -> l.accept(e));
            }
        }
    }

    /** Starts the Raft server when this node should have one: see the class comment. */
    private void maybeStartServer(List<Member> members) {
        if (hasStoredLog()) {
            // a server stopped on its log (its division closed): it was in the group, and recovers
            startServerAsync(RaftGroup.valueOf(groupId), RaftStorage.StartupOption.RECOVER);
            return;
        }
        if (Claims.groupExists(members)) {
            Optional<LeaderInfo> known = Claims.leader(members);
            boolean wanted = Claims.voters(members, known).contains(self)
                    || Claims.promoted(members, known).filter(self::equals).isPresent();
            if (wanted) {
                startServerAsync(RaftGroup.valueOf(groupId), RaftStorage.StartupOption.FORMAT);
            }
            return;
        }
        if (!designated) {
            return;
        }
        Claims.bootstrapGroup(members, target).filter(g -> g.containsKey(self)).ifPresent(g -> {
            List<RaftPeer> peers = g.entrySet().stream().map(e -> peer(e.getKey(), e.getValue())).toList();
            LOG.info("{}: forming the control group with {}", self, g.keySet());
            startServerAsync(RaftGroup.valueOf(groupId, peers), RaftStorage.StartupOption.FORMAT);
        });
    }

    private void startServerAsync(RaftGroup group, RaftStorage.StartupOption option) {
        if (System.nanoTime() < retryStartAtNanos) {
            return;
        }
        starting = true;
        BLOCKING.execute(() -> {
            try {
                if (option == RaftStorage.StartupOption.FORMAT) {
                    setAside(); // starting empty: a log left there (by a stop cut short) would make FORMAT fail
                }
                startServer(group, option);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("{}: could not start the Raft server (retrying in {}): {}", self,
                        dev.muster.Durations.format(START_RETRY), e.toString());
                if (option == RaftStorage.StartupOption.FORMAT) {
                    deleteTree(storageRoot.resolve(groupId.getUuid().toString()));
                }
                synchronized (lock) {
                    retryStartAtNanos = System.nanoTime() + START_RETRY.toNanos();
                }
            } finally {
                synchronized (lock) {
                    starting = false;
                }
                kick();
            }
        });
    }

    private void startServer(RaftGroup group, RaftStorage.StartupOption option) {
        ControlStateMachine sm = new ControlStateMachine(new ControlStateMachine.Admission() {
            @Override
            public String refuse(Command c) {
                return RaftControlPlane.this.refuse(c);
            }

            @Override
            public String refuseRead(String origin) {
                return RaftFaults.cut(self, origin) ? PARTITIONED + origin + " is cut off from " + self : null;
            }
        }, this::kick);
        RaftServer s;
        try {
            s = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(self)).setGroup(group)
                    .setStateMachine(sm).setProperties(serverProperties()).setOption(option).build();
            s.start();
        } catch (IOException e) {
            throw new ControlException(ControlException.Reason.UNAVAILABLE,
                    self + ": Raft server on " + endpoint + " did not start: " + e.getMessage(), e);
        }
        synchronized (lock) {
            if (closed) {
                closeQuietly(s);
                return;
            }
            server = s;
            machine = sm;
            outsideSinceNanos = 0;
        }
    }

    private boolean faultsEnabled() {
        try {
            node.faults();
            return true;
        } catch (IllegalStateException off) {
            return false;
        }
    }

    private RaftProperties serverProperties() {
        RaftProperties p = clientProperties(config.requestTimeout());
        int colon = endpoint.lastIndexOf(':');
        NettyConfigKeys.Server.setHost(p, node.address().host());
        NettyConfigKeys.Server.setPort(p, Integer.parseInt(endpoint.substring(colon + 1)));
        RaftServerConfigKeys.setStorageDir(p, List.of(storageRoot.toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, time(config.electionTimeoutMin()));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, time(config.electionTimeoutMax()));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEvery());
        // Purge the log only below every follower's position (Ratis's default), not up to the
        // snapshot: purging up to the snapshot left a lagging follower whose next entry's
        // predecessor was gone, which Ratis answered with appends that follower refused forever.
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, false);
        // Ratis waits up to 10 ms to batch entries for a follower; control writes are few and small,
        // and a write's latency is two of these waits, so send at once.
        RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.valueOf(1, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        return p;
    }

    private static RaftProperties clientProperties(Duration requestTimeout) {
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.NETTY);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, time(requestTimeout.dividedBy(3)));
        return p;
    }

    private static TimeDuration time(Duration d) {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static RaftPeer peer(String name, String address) {
        return RaftPeer.newBuilder().setId(name).setAddress(address).build();
    }

    private DivisionInfo division() {
        if (server == null) {
            return null;
        }
        try {
            return server.getDivision(groupId).getInfo();
        } catch (IOException e) {
            return null;
        }
    }

    private List<String> confVoters() {
        try {
            return server.getDivision(groupId).getRaftConf().getCurrentPeers().stream()
                    .map(p -> p.getId().toString()).sorted(Comparator.comparingInt(Claims::index)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Publishes this node's control keys when they changed, without overwriting keys another
     * writer (the health reporter) set meanwhile: compare-and-set, retried a few times.
     */
    private void publish(List<Member> members) {
        for (int attempt = 0; attempt < PUBLISH_ATTEMPTS; attempt++) {
            Metadata m = node.localMember().metadata();
            Metadata want = withControlKeys(m);
            if (want.equals(m) || node.compareAndSetMetadata(m, want)) {
                return;
            }
        }
        // another writer keeps winning; the next tick tries again
    }

    /** Another writer publishing between our read and our write is rare; the next tick retries anyway. */
    private static final int PUBLISH_ATTEMPTS = 3;

    private Metadata withControlKeys(Metadata m) {
        Metadata want = Claims.with(m, Claims.RAFT, endpoint);
        want = Claims.with(want, Claims.DESIGNATED, designated ? "true" : null);
        want = Claims.with(want, "roles", isReplica() ? "replica" : null);
        DivisionInfo info = division();
        String claim = null;
        String votersText = null;
        String version = null;
        if (info != null) {
            RaftPeerId l = info.getLeaderId();
            claim = Claims.claimText(info.getCurrentTerm(), l == null ? null : l.toString());
            // every replica publishes the voters it knows, so a worker learns them with the first
            // claim it hears; the leader's list wins where they differ (a change in progress)
            votersText = voters.isEmpty() ? null : String.join(",", voters);
            if (info.isLeader()) {
                long v = machine.state().version();
                long now = System.nanoTime();
                if (v != versionPublished && now - versionPublishedNanos >= VERSION_PUBLISH_NANOS) {
                    versionPublished = v;
                    versionPublishedNanos = now;
                }
                version = Long.toString(versionPublished);
            }
        }
        want = Claims.with(want, Claims.LEADER, claim);
        want = Claims.with(want, Claims.VOTERS, votersText);
        want = Claims.with(want, Claims.PROMOTE, info != null && info.isLeader() ? promoting : null);
        return Claims.with(want, VERSION, version);
    }

    // ------------------------------------------------------------------ leader duties

    /** Replaces voters that membership shows gone for replace-after, one at a time. */
    private void leaderDuties(List<Member> members) {
        long now = System.nanoTime();
        List<String> conf = voters;
        List<String> lost = new ArrayList<>();
        for (String v : conf) {
            Optional<Member> m = Claims.member(members, v);
            boolean gone = m.isEmpty() || m.get().state() == MemberState.DEAD || m.get().state() == MemberState.LEFT;
            if (!gone) {
                goneSinceNanos.remove(v);
                continue;
            }
            long since = goneSinceNanos.computeIfAbsent(v, k -> now);
            if (now - since >= config.replaceAfter().toNanos()) {
                lost.add(v);
            }
        }
        goneSinceNanos.keySet().retainAll(conf);
        if (reconfiguring) {
            return;
        }
        if (lost.isEmpty() && conf.size() >= target) {
            readdressMovedVoters(members);
            return;
        }
        Optional<Member> candidate = Claims.candidate(members, conf, machine.state());
        if (candidate.isEmpty()) {
            return;
        }
        List<RaftPeer> peers = new ArrayList<>();
        for (String v : conf) {
            if (lost.isEmpty() || !v.equals(lost.get(0))) {
                Member m = Claims.member(members, v).orElse(null);
                String addr = m == null ? null : m.metadata().get(Claims.RAFT);
                if (addr == null) {
                    return; // a voter whose endpoint we cannot see: wait
                }
                peers.add(peer(v, addr));
            }
        }
        Member c = candidate.get();
        peers.add(peer(c.name(), c.metadata().get(Claims.RAFT)));
        String replaced = lost.isEmpty() ? "(none; the group is below " + target + ")" : lost.get(0);
        LOG.info("{}: replacing voter {} by {}", self, replaced, c.name());
        reconfigure(peers, c.name());
    }

    /**
     * The leader's coordinator round: places pending and orphaned agents and migrates agents off
     * draining nodes, one write in flight at a time (a round on a state the write has not reached
     * yet would only decide the same again, and be skipped for its stale epochs).
     */
    private void coordinate(List<Member> members) {
        if (coordinating) {
            return;
        }
        Coordinator.Plan plan = coordinator.plan(machine.state(), members, System.nanoTime());
        if (plan.isEmpty()) {
            return;
        }
        coordinating = true;
        BLOCKING.execute(() -> {
            try {
                if (!plan.placements().isEmpty()) {
                    write(new Mutation.PlaceAgents(plan.placements()));
                }
                for (Mutation.MigrateAgent m : plan.migrations()) {
                    write(m);
                }
            } catch (ControlException e) {
                LOG.debug("{}: coordinator write failed: {}", self, e.getMessage());
            } finally {
                synchronized (lock) {
                    coordinating = false;
                }
                kick();
            }
        });
    }

    /** Sets the group's voters on a virtual thread, one change at a time. */
    private void reconfigure(List<RaftPeer> peers, String promote) {
        reconfiguring = true;
        promoting = promote;
        BLOCKING.execute(() -> {
            try (RaftClient admin = newClient(peers, RECONFIGURE_TIMEOUT)) {
                RaftClientReply r = admin.admin().setConfiguration(peers);
                if (!r.isSuccess()) {
                    LOG.warn("{}: membership change to {} failed: {}", self, names(peers), r.getException());
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: membership change to {} failed: {}", self, names(peers), e.toString());
            } finally {
                synchronized (lock) {
                    reconfiguring = false;
                    promoting = null;
                }
                kick();
            }
        });
    }

    /**
     * A voter that restarted at a new address (a new pod IP, a test's new port) publishes its new
     * Raft endpoint; the group's configuration still has the old one, so the leader rewrites it.
     */
    private void readdressMovedVoters(List<Member> members) {
        Collection<RaftPeer> current;
        try {
            current = server.getDivision(groupId).getRaftConf().getCurrentPeers();
        } catch (IOException e) {
            return;
        }
        List<RaftPeer> peers = new ArrayList<>();
        boolean moved = false;
        for (RaftPeer p : current) {
            String name = p.getId().toString();
            String published = Claims.member(members, name).filter(m -> m.state() == MemberState.ALIVE)
                    .map(m -> m.metadata().get(Claims.RAFT)).orElse(null);
            if (published != null && !published.equals(p.getAddress())) {
                moved = true;
                peers.add(peer(name, published));
            } else {
                peers.add(p);
            }
        }
        if (moved) {
            LOG.info("{}: a voter moved; group now {}", self, peers);
            reconfigure(peers, null);
        }
    }

    private static String names(List<RaftPeer> peers) {
        return peers.stream().map(p -> p.getId().toString()).collect(Collectors.joining(","));
    }

    /** Stops a server the group no longer counts as a voter (see the class comment). */
    private void checkStillVoter(List<Member> members) {
        DivisionInfo info = division();
        long now0 = System.nanoTime();
        boolean closedForGood = info == null || info.getLifeCycleState() == LifeCycle.State.CLOSED
                || info.getLifeCycleState() == LifeCycle.State.EXCEPTION;
        if (!closedForGood) {
            divisionClosedSinceNanos = 0;
        } else if (divisionClosedSinceNanos == 0) {
            divisionClosedSinceNanos = now0;
        } else if (now0 - divisionClosedSinceNanos >= DIVISION_CLOSED_GRACE.toNanos()) {
            // Ratis closes a division that applies a configuration without it (this node was
            // replaced while it was down, and came back with its old log), or one that failed to
            // start; a closed division never serves again, not even when the leader promotes this
            // node back. The first time, the server restarts on its log; if that closes too, the
            // log is set aside and the server restarts empty once the group wants it.
            divisionClosedSinceNanos = 0;
            boolean again = lastDivisionRestartNanos != 0 && now0 - lastDivisionRestartNanos < DIVISION_RESTART_WINDOW.toNanos();
            lastDivisionRestartNanos = now0;
            LOG.info("{}: the Raft server's division is {}; restarting it {}", self,
                    info == null ? "gone" : info.getLifeCycleState(), again ? "empty once it is wanted" : "on its log");
            stopServer(again);
            return;
        }
        Optional<LeaderInfo> l = leader;
        if (l.isEmpty() || l.get().name().equals(self)) {
            outsideSinceNanos = 0;
            return;
        }
        List<String> published = Claims.voters(members, l);
        boolean inside = published.isEmpty() || published.contains(self)
                || Claims.promoted(members, l).filter(self::equals).isPresent();
        long now = System.nanoTime();
        if (inside) {
            outsideSinceNanos = 0;
        } else if (outsideSinceNanos == 0) {
            outsideSinceNanos = now;
        } else if (now - outsideSinceNanos >= DEMOTE_AFTER.toNanos()) {
            LOG.info("{}: no longer a voter (voters {}); stopping the Raft server", self, published);
            stopServer(true);
        }
    }

    /**
     * Stops this node's Raft server in the background. With {@code setAside} its log is moved
     * aside, so that a later promotion starts it empty and the leader sends it a snapshot;
     * without, the next tick starts it again on that log. Called under {@code lock}.
     */
    private void stopServer(boolean setAside) {
        RaftServer s = server;
        server = null;
        machine = null;
        starting = true;
        outsideSinceNanos = 0;
        BLOCKING.execute(() -> {
            closeQuietly(s);
            if (setAside) {
                setAside();
            }
            synchronized (lock) {
                starting = false;
            }
            kick();
        });
    }

    /** Moves a stale log out of the way, so a later promotion starts clean. */
    private void setAside() {
        Path dir = storageRoot.resolve(groupId.getUuid().toString());
        try {
            if (Files.isDirectory(dir)) {
                Files.move(dir, storageRoot.resolve("replaced-" + System.currentTimeMillis()));
            }
        } catch (IOException e) {
            LOG.warn("{}: could not set the old Raft log aside: {}", self, e.toString());
        }
    }

    /** On a node without a server, refreshes the cached state when the leader shows a new version. */
    private void refreshCache(List<Member> members) {
        Optional<LeaderInfo> l = leader;
        if (refreshing || l.isEmpty()) {
            return;
        }
        String v = Claims.member(members, l.get().name())
                .map(m -> m.metadata().get(VERSION)).orElse(null);
        if (v == null || !v.chars().allMatch(Character::isDigit) || v.length() > 18 || Long.parseLong(v) <= cached.version()) {
            return;
        }
        refreshing = true;
        BLOCKING.execute(() -> {
            try {
                ControlState s = query(c -> c.async().sendStaleRead(queryMessage(), 0, RaftPeerId.valueOf(l.get().name())),
                        "refresh the state");
                if (s.version() > cached.version()) {
                    cached = s;
                }
            } catch (ControlException e) {
                LOG.debug("{}: state refresh failed: {}", self, e.getMessage());
            } finally {
                synchronized (lock) {
                    refreshing = false;
                }
            }
        });
    }

    // ------------------------------------------------------------------ admission (on the leader)

    /** The leader's checks before a command enters the log: null to admit, else the reason. */
    private String refuse(Command c) {
        List<Member> members;
        try {
            members = node.members();
        } catch (IllegalStateException closedNode) {
            return "the leader is shutting down";
        }
        Map<String, Member> byName = new HashMap<>();
        members.forEach(m -> byName.put(m.name(), m));
        if (RaftFaults.cut(self, c.getOrigin())) {
            // A test partition: Ratis's client redirects reach across it, a real network would not.
            return PARTITIONED + c.getOrigin() + " is cut off from the leader " + self;
        }
        Member origin = byName.get(c.getOrigin());
        if (origin == null || !Claims.alive(origin)) {
            return "writer '" + c.getOrigin() + "' is not an alive member of this cluster; only members may write";
        }
        try {
            switch (c.getOpCase()) {
                case SET_STRATEGY -> BalancingStrategy.parse(c.getSetStrategy().getStrategy());
                case SET_NODE_STATUS -> {
                    NodeStatus.parse(c.getSetNodeStatus().getStatus());
                    if (!byName.containsKey(c.getSetNodeStatus().getNode())) {
                        return "no member named '" + c.getSetNodeStatus().getNode() + "'" + known(byName);
                    }
                }
                case ASSIGN -> {
                    Names.check("agent", c.getAssign().getAgent());
                    Member to = byName.get(c.getAssign().getNode());
                    if (to == null || !Claims.alive(to)) {
                        return "cannot place agent '" + c.getAssign().getAgent() + "' on '" + c.getAssign().getNode()
                                + "': no alive member of that name" + known(byName);
                    }
                }
                case UNASSIGN -> Names.check("agent", c.getUnassign().getAgent());
                case SUBMIT_AGENT -> {
                    Names.check("agent", c.getSubmitAgent().getAgent());
                    Transitions.spec(c.getSubmitAgent().getSpec());
                }
                case PLACE_AGENTS -> {
                    for (dev.muster.control.proto.Placement p : c.getPlaceAgents().getPlacementsList()) {
                        Member to = byName.get(p.getNode());
                        if (!p.getNode().isEmpty() && (to == null || !Claims.alive(to))) {
                            return "cannot place agent '" + p.getAgent() + "' on '" + p.getNode()
                                    + "': no alive member of that name" + known(byName);
                        }
                    }
                }
                case REPORT_AGENTS -> {
                    for (dev.muster.control.proto.AgentReport r : c.getReportAgents().getReportsList()) {
                        AgentPhase.parse(r.getPhase());
                    }
                }
                case MIGRATE_AGENT -> {
                    Member to = byName.get(c.getMigrateAgent().getNode());
                    if (to == null || !Claims.alive(to)) {
                        return "cannot migrate agent '" + c.getMigrateAgent().getAgent() + "' to '"
                                + c.getMigrateAgent().getNode() + "': no alive member of that name" + known(byName);
                    }
                }
                case HAND_OFF -> {
                    if (c.getHandOff().getSnapshot().size() > AgentInfo.MAX_SNAPSHOT_BYTES) {
                        return "agent " + c.getHandOff().getAgent() + " snapshot is " + c.getHandOff().getSnapshot().size()
                                + " bytes; at most " + AgentInfo.MAX_SNAPSHOT_BYTES;
                    }
                }
                case REFUSED -> {
                    return "a refusal is written by the leader only";
                }
                case OP_NOT_SET -> {
                    return "the command names no operation";
                }
            }
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }

    private static String known(Map<String, Member> byName) {
        List<String> names = byName.keySet().stream().sorted(Comparator.comparingInt(Claims::index)).limit(10).toList();
        return "; members are " + String.join(", ", names) + (byName.size() > 10 ? ", ..." : "");
    }

    // ------------------------------------------------------------------ the API

    @Override
    public Optional<LeaderInfo> leader() {
        return leader;
    }

    @Override
    public Optional<LeaderInfo> awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (leader.isEmpty() && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS)));
            }
        }
        return leader;
    }

    @Override
    public Subscription onLeaderChanged(Consumer<LeaderChanged> listener) {
        Objects.requireNonNull(listener, "listener");
        Consumer<LeaderChanged> safe = e -> {
            try {
                listener.accept(e);
            } catch (RuntimeException ex) {
                LOG.warn("{}: a LeaderChanged listener threw", self, ex);
            }
        };
        listeners.add(safe);
        return () -> listeners.remove(safe);
    }

    @Override
    public Role role(String name) {
        return Claims.role(name, leader, voters, state());
    }

    @Override
    public boolean isReplica() {
        synchronized (lock) {
            return server != null && confVoters().contains(self);
        }
    }

    @Override
    public ControlState state() {
        ControlStateMachine m;
        synchronized (lock) {
            m = machine;
        }
        return m != null ? m.state() : cached;
    }

    @Override
    public ControlState readLinearizable() {
        ControlState s = query(c -> c.async().sendReadOnly(queryMessage()), "read the state");
        if (machine == null && s.version() > cached.version()) {
            cached = s;
        }
        return s;
    }

    /** A read names its reader, so a replica the fault filter cuts from it can refuse, as a real cut would. */
    private Message queryMessage() {
        return Message.valueOf(self);
    }

    private ControlState query(Function<RaftClient, CompletableFuture<RaftClientReply>> call, String what) {
        RaftClientReply reply = call(call, what);
        try {
            return ControlStateMachine.fromProto(State.parseFrom(reply.getMessage().getContent().toByteArray()));
        } catch (InvalidProtocolBufferException e) {
            throw new ControlException(ControlException.Reason.UNAVAILABLE, "the leader answered with bad state: " + e, e);
        }
    }

    @Override
    public WriteResult write(Mutation mutation) {
        return write(UUID.randomUUID().toString(), mutation);
    }

    @Override
    public WriteResult write(String mutationId, Mutation mutation) {
        return writeAs(self, mutationId, mutation);
    }

    /** A write that names {@code origin} as its writer: this node's name, except in tests of the leader's checks. */
    WriteResult writeAs(String origin, String mutationId, Mutation mutation) {
        Objects.requireNonNull(mutation, "mutation");
        if (mutationId == null || mutationId.isEmpty() || mutationId.length() > 128) {
            throw new ControlException(ControlException.Reason.REJECTED,
                    "mutation id '" + mutationId + "' must be 1 to 128 characters");
        }
        Command command = Transitions.command(mutationId, origin, mutation);
        Message msg = Message.valueOf(UnsafeByteOperations.unsafeWrap(command.toByteArray()));
        RaftClientReply reply = call(c -> c.async().send(msg), "write " + mutation);
        Reply r;
        try {
            r = Reply.parseFrom(reply.getMessage().getContent().toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new ControlException(ControlException.Reason.UNAVAILABLE, "the leader answered with a bad reply: " + e, e);
        }
        if (!r.getError().isEmpty()) {
            if (r.getError().contains(PARTITIONED)) {
                throw unavailable("write " + mutation, null);
            }
            throw new ControlException(ControlException.Reason.REJECTED, r.getError());
        }
        return new WriteResult(r.getVersion(), r.getDuplicate());
    }

    /**
     * Sends through the group's client and waits up to the request timeout. A Ratis client whose
     * ordered request failed for good closes itself (every later call fails at once with
     * AlreadyClosedException), so a failed client is dropped and the next call builds a new one;
     * a call that failed at once for want of a leader is tried again until the timeout.
     */
    private RaftClientReply call(Function<RaftClient, CompletableFuture<RaftClientReply>> call, String what) {
        long deadline = System.nanoTime() + config.requestTimeout().toNanos();
        while (true) {
            RaftClient c = client();
            CompletableFuture<RaftClientReply> f = call.apply(c);
            Throwable cause;
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                RaftClientReply reply = f.get(left, TimeUnit.NANOSECONDS);
                if (reply.isSuccess()) {
                    return reply;
                }
                cause = reply.getException();
            } catch (TimeoutException e) {
                f.cancel(true);
                discard(c);
                throw unavailable(what, null);
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                throw new ControlException(ControlException.Reason.UNAVAILABLE, "interrupted: " + what, e);
            } catch (ExecutionException e) {
                cause = e.getCause();
            }
            ControlException failed = failure(what, cause);
            if (failed.reason() == ControlException.Reason.REJECTED) {
                throw failed;
            }
            // Not committed, and said so at once (no leader yet, a closed client, a read index
            // without a leader): try again, on a fresh client, until the request timeout.
            discard(c);
            if (System.nanoTime() + RETRY_PAUSE.toNanos() >= deadline) {
                throw failed;
            }
            try {
                Thread.sleep(RETRY_PAUSE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failed;
            }
        }
    }

    /** Drops {@code c} if it still is the current client; the next call builds a new one. */
    private void discard(RaftClient c) {
        synchronized (lock) {
            if (client == c) {
                client = null;
                clientPeers = "";
            }
        }
        BLOCKING.execute(() -> closeQuietly(c));
    }

    private ControlException failure(String what, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof StateMachineException sme) {
                String m = String.valueOf(sme.getMessage());
                if (m.contains(PARTITIONED)) {
                    return unavailable(what, null);
                }
                return new ControlException(ControlException.Reason.REJECTED, refusal(m), sme);
            }
        }
        return unavailable(what, cause);
    }

    /**
     * Our refusal out of Ratis's wrapping: "java.io.IOException from Server node-3@group-…: why"
     * (or "…IOException: why" from older paths).
     */
    static String refusal(String message) {
        int from = message.indexOf("IOException from Server ");
        if (from >= 0) {
            int colon = message.indexOf(": ", from);
            return colon >= 0 ? message.substring(colon + 2) : message;
        }
        int at = message.lastIndexOf("IOException: ");
        return at >= 0 ? message.substring(at + "IOException: ".length()) : message;
    }

    private ControlException unavailable(String what, Throwable cause) {
        ClusterHealth h;
        try {
            h = health();
        } catch (IllegalStateException closedNode) {
            // the node closed while the call waited: say so, as the unavailable answer it is
            return new ControlException(ControlException.Reason.UNAVAILABLE, "could not " + what
                    + ": this node is closed", cause);
        }
        String detail = "could not " + what + " within " + dev.muster.Durations.format(config.requestTimeout()) + ": this node sees "
                + h.aliveReplicas() + " of " + h.replicas().size() + " replicas alive " + h.replicas()
                + " and a majority (" + (h.replicas().size() / 2 + 1) + ") is needed"
                + h.leader().map(l -> "; last known leader " + l.name() + " (term " + l.term() + ")").orElse("; no leader known")
                + (cause == null ? "" : " (" + cause.getMessage() + ")");
        return new ControlException(ControlException.Reason.UNAVAILABLE, detail, cause);
    }

    /** The client for the group as this node knows it now; rebuilt when the voters move. */
    private RaftClient client() {
        synchronized (lock) {
            List<RaftPeer> peers = knownPeers();
            if (peers.isEmpty()) {
                throw new ControlException(ControlException.Reason.UNAVAILABLE,
                        "no control group is known yet: no replica has published a Raft endpoint");
            }
            String key = peers.stream().map(p -> p.getId() + "@" + p.getAddress()).sorted().collect(Collectors.joining(","));
            clientUsedNanos = System.nanoTime();
            if (client == null || !key.equals(clientPeers)) {
                RaftClient old = client;
                client = newClient(peers, config.requestTimeout());
                clientPeers = key;
                if (old != null) {
                    BLOCKING.execute(() -> closeQuietly(old));
                }
            }
            return client;
        }
    }

    private List<RaftPeer> knownPeers() {
        List<Member> members;
        try {
            members = node.members();
        } catch (IllegalStateException closed) {
            // the node closed under a call still on its way (a background refresh, a late write):
            // an answer the callers handle, not an exception that escapes a virtual thread
            throw new ControlException(ControlException.Reason.UNAVAILABLE, "unavailable: this node is closed", closed);
        }
        List<String> names = voters.isEmpty()
                ? members.stream().filter(m -> "true".equals(m.metadata().get(Claims.DESIGNATED))).map(Member::name).toList()
                : voters;
        List<RaftPeer> peers = new ArrayList<>();
        for (Member m : members) {
            String addr = m.metadata().get(Claims.RAFT);
            // The fault filter cuts Raft's server-to-server calls in RaftFaults; this cuts the
            // client's, which would otherwise reach across a test partition.
            if (names.contains(m.name()) && addr != null && !RaftFaults.cut(self, m.name())) {
                peers.add(peer(m.name(), addr));
            }
        }
        return peers;
    }

    private RaftClient newClient(List<RaftPeer> peers, Duration timeout) {
        int attempts = (int) Math.max(3, timeout.toMillis() / 100);
        return RaftClient.newBuilder().setProperties(clientProperties(timeout)).setClientId(ClientId.randomId())
                .setRaftGroup(RaftGroup.valueOf(groupId, peers))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
    }

    @Override
    public LeaderInfo transferLeadership(String name, Duration timeout) {
        try {
            Names.check("node", name);
        } catch (IllegalArgumentException e) {
            throw new ControlException(ControlException.Reason.REJECTED, e.getMessage());
        }
        List<String> v = voters;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (v.isEmpty() && System.nanoTime() < deadline) {
            // a node that just started has not heard the voters yet
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            v = voters;
        }
        if (v.isEmpty()) {
            throw unavailable("transfer leadership to " + name + " (no replica list known yet)", null);
        }
        if (node.member(name).isEmpty()) {
            throw new ControlException(ControlException.Reason.REJECTED,
                    "no member named '" + name + "'; leadership can go to a replica: " + String.join(", ", v));
        }
        if (!v.contains(name)) {
            throw new ControlException(ControlException.Reason.REJECTED, name + " is a "
                    + role(name).jsonName() + ", not a replica; leadership can go to a replica: " + String.join(", ", v));
        }
        Optional<LeaderInfo> now = leader;
        if (now.isPresent() && now.get().name().equals(name)) {
            return now.get();
        }
        try (RaftClient admin = newClient(knownPeers(), timeout)) {
            RaftClientReply r = admin.admin().transferLeadership(RaftPeerId.valueOf(name), timeout.toMillis());
            if (!r.isSuccess()) {
                throw unavailable("transfer leadership to " + name, r.getException());
            }
        } catch (IOException e) {
            throw unavailable("transfer leadership to " + name, e);
        }
        while (System.nanoTime() < deadline) {
            Optional<LeaderInfo> l = leader;
            if (l.isPresent() && l.get().name().equals(name)) {
                return l.get();
            }
            try {
                Thread.sleep(TICK_MILLIS / 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw unavailable("see " + name + " lead after the transfer", null);
    }

    @Override
    public ClusterHealth health() {
        List<String> v = voters;
        int alive = 0;
        for (Member m : node.members()) {
            if (v.contains(m.name()) && Claims.alive(m)) {
                alive++;
            }
        }
        Optional<LeaderInfo> l = leader;
        return new ClusterHealth(l.isPresent() && !v.isEmpty() && alive > v.size() / 2, l, v, alive);
    }

    @Override
    public void close() {
        RaftServer s;
        RaftClient c;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            s = server;
            c = client;
            server = null;
            machine = null;
            client = null;
        }
        if (ticker != null) {
            ticker.cancel(false);
        }
        if (memberEvents != null) {
            memberEvents.close();
        }
        RaftFaults.unregister(self, node);
        closeQuietly(c);
        closeQuietly(s);
        awaitBackgroundStartOrStop();
        synchronized (this) {
            notifyAll();
        }
        if (tempDir != null) {
            deleteTree(tempDir);
        }
    }

    /**
     * Waits (up to {@link #CLOSE_WAIT}) for a Raft server start or stop running in the
     * background: once close returns, nothing of this instance touches the data directory, which
     * a restarted node opens at once.
     */
    private void awaitBackgroundStartOrStop() {
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (lock) {
                if (!starting) {
                    return;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warn("{}: a Raft server start or stop was still running when the control plane closed", self);
    }

    /** How long close waits for a background start or stop of the Raft server. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("{}: close failed: {}", self, e.toString());
        }
    }

    private static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary directory; the OS cleans it eventually
        }
    }
}
