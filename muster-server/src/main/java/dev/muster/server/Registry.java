package dev.muster.server;

import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.ClusterException;
import dev.muster.ConfigException;
import dev.muster.Member;
import dev.muster.MemberState;
import dev.muster.Metadata;
import dev.muster.balance.NodeLoad;
import dev.muster.membership.MembershipConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nodes registered through the API, as the seed's registry took them: each one is a real member
 * of the cluster, started in this JVM, so the membership list stays the one registry. A
 * registered node is gossiped to every node, listed by {@code GET /api/cluster/nodes} everywhere,
 * weighed by the balancers and the coordinator through its {@code max-agents} and
 * {@code services}, and its end is a membership leave; there is no second list to keep in step.
 *
 * <p>Life of a registration:
 * <ul>
 *   <li>{@link #register} starts the member: the serving node's cluster name, the id as its node
 *       name, bound to the serving node's HTTP host (127.0.0.1 by default) on any free port,
 *       seeded by the serving node, with no HTTP server; its metadata holds the
 *       {@link NodeLoad} keys ({@code max-agents}, {@code services}, figures unknown) and
 *       {@value #REGISTERED_BY}, {@value #HOST}, {@value #IP}, {@value #PORT} as given;</li>
 *   <li>{@link #heartbeat} publishes the figures given (the others keep their values) and
 *       restarts its clock;</li>
 *   <li>a member whose last heartbeat (or registration) is older than the heartbeat timeout
 *       leaves; the check runs every {@code min(1 s, timeout / 4)};</li>
 *   <li>{@link #leave} makes it leave at once; {@link #close} makes every one leave.</li>
 * </ul>
 *
 * A registered node runs no agent runtime: agents the coordinator places on it (it has slots when
 * registered with {@code max_agents} above 0) stay assigned until it leaves, and are then placed
 * elsewhere as orphans.
 *
 * <p>Threading: thread-safe. Registrations and removals take the registry's lock; a registration
 * holds it while its member joins (the seed is this JVM's own node, which answers in
 * milliseconds; {@link #JOIN_TIMEOUT} bounds it). Leaves after an expiry or a close run on
 * virtual threads; the expiry check runs on the JVM's one shared {@code muster-registry} timer
 * thread (ended after a minute without a registry).
 */
final class Registry implements AutoCloseable {

    /** A registered node that sends no heartbeat for this long leaves. */
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(30);
    /** How long a registered member may take to join through this node: a local seed answers at once. */
    static final Duration JOIN_TIMEOUT = Duration.ofSeconds(10);
    /** How long a registered member's leave waits for its news to spread before it closes. */
    static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(2);
    /** The most nodes one serving node registers: each is a member with its own share of gossip. */
    static final int MAX_REGISTERED = 256;

    /** Metadata key naming the node that registered this one. */
    static final String REGISTERED_BY = "registered-by";
    /** Metadata key of the host name given at registration. */
    static final String HOST = "host";
    /** Metadata key of the IP address given at registration. */
    static final String IP = "ip";
    /** Metadata key of the port given at registration. */
    static final String PORT = "port";

    private static final Logger log = LoggerFactory.getLogger(Registry.class);

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "muster-registry");
            th.setDaemon(true);
            return th;
        });
        t.setKeepAliveTime(1, TimeUnit.MINUTES);
        t.allowCoreThreadTimeOut(true);
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /**
     * What a registration names; checked by {@link RegistryApi} before it gets here.
     *
     * @param id the node's name in the cluster
     * @param hostname the host name the node gave
     * @param ip the IP address it gave
     * @param port the port it gave, 1..65535
     * @param maxAgents agents it accepts at most, 0..{@link HealthReporter#MAX_AGENTS}
     * @param services services it offers
     */
    record Registration(String id, String hostname, String ip, int port, int maxAgents, Set<String> services) {
        Registration {
            services = Set.copyOf(services);
        }
    }

    /** One heartbeat's figures; a null figure keeps the value published before. */
    record Figures(Double cpu, Double memory, Double disk, Double load, Integer agents) {}

    /**
     * How registered members are run.
     *
     * @param heartbeatTimeout how long a registered node may go without a heartbeat
     * @param membership the protocol settings of the registered members
     */
    record Settings(Duration heartbeatTimeout, MembershipConfig membership) {
        static final Settings DEFAULT = new Settings(HEARTBEAT_TIMEOUT, MembershipConfig.lan());

        Settings {
            if (heartbeatTimeout.isNegative() || heartbeatTimeout.isZero()) {
                throw new IllegalArgumentException("heartbeat timeout (" + dev.muster.Durations.format(heartbeatTimeout)
                        + ") must be positive");
            }
            Objects.requireNonNull(membership, "membership");
        }
    }

    private static final class Entry {
        final Cluster member;
        final Registration registration;
        volatile long lastHeartbeatNanos = System.nanoTime();

        Entry(Cluster member, Registration registration) {
            this.member = member;
            this.registration = registration;
        }
    }

    private final Cluster server;
    private final String bindHost;
    private final Settings settings;
    private final Map<String, Entry> registered = new HashMap<>(); // guarded by this
    private final ScheduledFuture<?> expiry;
    private boolean closed; // guarded by this

    Registry(Cluster server, String bindHost, Settings settings) {
        this.server = Objects.requireNonNull(server, "server");
        this.bindHost = Objects.requireNonNull(bindHost, "bindHost");
        this.settings = Objects.requireNonNull(settings, "settings");
        long every = Math.max(10, Math.min(1000, settings.heartbeatTimeout().toMillis() / 4));
        this.expiry = TIMER.scheduleWithFixedDelay(this::expire, every, every, TimeUnit.MILLISECONDS);
    }

    Duration heartbeatTimeout() {
        return settings.heartbeatTimeout();
    }

    /**
     * Starts the member of a registration and returns it once it joined.
     *
     * @throws ApiError 409 when a member of that name is in the cluster or was registered here, or
     *     the limit is reached; 400 when its metadata would exceed the membership's limit; 503 when
     *     it cannot join
     */
    synchronized Cluster register(Registration r) {
        if (closed) {
            throw new ApiError(503, "node stopped", "this node is shutting down and registers no more nodes");
        }
        if (registered.containsKey(r.id())) {
            Registration was = registered.get(r.id()).registration;
            throw new ApiError(409, "node exists", "node '" + r.id() + "' is registered here already (" + was.hostname()
                    + ", " + was.ip() + ":" + was.port() + "); DELETE /api/cluster/nodes/" + r.id() + " first");
        }
        server.member(r.id()).filter(m -> !gone(m)).ifPresent(m -> {
            throw new ApiError(409, "node exists", "a member named '" + r.id() + "' is in the cluster already ("
                    + m.state().jsonName() + " at " + m.address() + "); choose another id");
        });
        if (registered.size() >= MAX_REGISTERED) {
            throw new ApiError(409, "too many registered nodes", "this node has registered " + registered.size()
                    + " nodes, its limit; register more through another node");
        }
        Metadata metadata = metadata(r, new NodeLoad(-1, -1, -1, -1, 0, r.maxAgents(), r.services()));
        // the figures of later heartbeats must fit too: check the largest they can be
        int largest = metadata(r, new NodeLoad(1, 1, 1, 1_000, HealthReporter.MAX_AGENTS, r.maxAgents(), r.services()))
                .encodedSize();
        if (largest > settings.membership().maxMetadataBytes()) {
            throw ApiError.badRequest("node '" + r.id() + "' with its services and figures would publish " + largest
                    + " bytes of metadata; at most " + settings.membership().maxMetadataBytes()
                    + " (membership.max-metadata-bytes) ride in every alive message: offer fewer services or shorter names");
        }
        Cluster member;
        try {
            member = Cluster.start(ClusterConfig.builder().clusterName(server.clusterName()).nodeName(r.id())
                    .bindHost(bindHost).port(0).seeds(List.of(server.address())).httpPort(-1)
                    .joinTimeout(JOIN_TIMEOUT).leaveTimeout(LEAVE_TIMEOUT).membership(settings.membership())
                    .metadata(metadata).build());
        } catch (ConfigException e) {
            throw ApiError.badRequest("node '" + r.id() + "' cannot be registered: " + String.join("; ", e.problems()));
        } catch (ClusterException e) {
            throw new ApiError(e.getMessage() != null && e.getMessage().contains("holds") ? 409 : 503,
                    "cannot register", "node '" + r.id() + "' could not join: " + e.getMessage());
        }
        registered.put(r.id(), new Entry(member, r));
        log.debug("registered {} ({}, {}:{}) at {}", r.id(), r.hostname(), r.ip(), r.port(), member.address());
        return member;
    }

    private Metadata metadata(Registration r, NodeLoad load) {
        Map<String, String> m = new TreeMap<>(load.toMetadata());
        m.put(REGISTERED_BY, server.localMember().name());
        m.put(HOST, r.hostname());
        m.put(IP, r.ip());
        m.put(PORT, Integer.toString(r.port()));
        return Metadata.of(m);
    }

    /**
     * Publishes a heartbeat's figures and restarts the node's clock.
     *
     * @return the registered member
     * @throws ApiError 404 for no such member, 409 for a member not registered here
     */
    Cluster heartbeat(String id, Figures f) {
        Entry e = entry(id, "send its heartbeats to");
        try {
            Metadata current = e.member.localMember().metadata();
            NodeLoad was = NodeLoad.fromMetadata(current);
            NodeLoad now = new NodeLoad(or(f.cpu(), was.cpu()), or(f.memory(), was.memory()), or(f.disk(), was.disk()),
                    or(f.load(), was.load()), f.agents() != null ? f.agents() : was.agents(), was.maxAgents(),
                    was.services());
            e.member.updateMetadata(now.mergeInto(current));
        } catch (IllegalStateException closedMember) {
            forget(id, e);
            throw unknown(id);
        }
        e.lastHeartbeatNanos = System.nanoTime();
        return e.member;
    }

    private static double or(Double given, double was) {
        return given != null ? given : was;
    }

    /**
     * Makes a registered node leave, and waits (at most {@link #LEAVE_TIMEOUT}) until it has.
     *
     * @throws ApiError 404 for no such member, 409 for a member not registered here
     */
    void leave(String id) {
        Entry e = entry(id, "stop it there, or stop its process; this node can only end");
        forget(id, e);
        leaveQuietly(e);
    }

    private synchronized Entry entry(String id, String whatToDo) {
        Entry e = registered.get(id);
        if (e != null) {
            return e;
        }
        Member m = server.member(id).filter(x -> !gone(x)).orElseThrow(() -> unknown(id));
        String by = m.metadata().get(REGISTERED_BY);
        throw new ApiError(409, "not registered here", by != null && !by.equals(server.localMember().name())
                ? "node '" + id + "' was registered by " + by + "; " + whatToDo + " " + by
                : "node '" + id + "' is a node process, not a node registered here; it publishes its own figures"
                        + " and leaves by itself");
    }

    private synchronized void forget(String id, Entry e) {
        registered.remove(id, e);
    }

    private static ApiError unknown(String id) {
        return new ApiError(404, "unknown node", "no registered node or member named '" + id
                + "'; GET /api/cluster/nodes lists them");
    }

    private static boolean gone(Member m) {
        return m.state() == MemberState.DEAD || m.state() == MemberState.LEFT;
    }

    private void expire() {
        long now = System.nanoTime();
        long limit = settings.heartbeatTimeout().toNanos();
        List<Entry> late = new ArrayList<>();
        synchronized (this) {
            registered.values().removeIf(e -> {
                boolean over = now - e.lastHeartbeatNanos > limit;
                if (over) {
                    late.add(e);
                }
                return over;
            });
        }
        for (Entry e : late) {
            log.info("registered node {} sent no heartbeat for {}; it leaves", e.registration.id(),
                    dev.muster.Durations.format(settings.heartbeatTimeout()));
            Thread.ofVirtual().name("muster-registry-leave").start(() -> leaveQuietly(e));
        }
    }

    private static void leaveQuietly(Entry e) {
        try {
            e.member.leave(LEAVE_TIMEOUT);
        } catch (RuntimeException ex) {
            log.debug("registered node {} did not leave cleanly: {}", e.registration.id(), ex.toString());
            e.member.close();
        }
    }

    /** Stops the expiry check and makes every registered node leave, in parallel, waiting for them. */
    @Override
    public void close() {
        expiry.cancel(false);
        List<Entry> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(registered.values());
            registered.clear();
        }
        List<Thread> leaving = new ArrayList<>();
        for (Entry e : all) {
            leaving.add(Thread.ofVirtual().name("muster-registry-leave").start(() -> leaveQuietly(e)));
        }
        for (Thread t : leaving) {
            try {
                t.join(LEAVE_TIMEOUT.plusSeconds(1));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
