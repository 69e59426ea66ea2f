package dev.muster.local;

import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.agents.AgentRuntime;
import dev.muster.agents.AgentTypes;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import dev.muster.server.HealthReporter;
import dev.muster.server.NodeServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one JVM of an embedded-mode local cluster: it runs every node whose pid file names this
 * process, each with its own gossip and HTTP ports, on the shared event loops. The CLI controls
 * it through the cluster directory, as it controls node processes:
 *
 * <ul>
 *   <li>a node's pid file appears (holding this pid): the node starts;</li>
 *   <li>it disappears: the node leaves gracefully;</li>
 *   <li>a {@code kill} file appears in the node's directory: the node closes without leaving
 *       (a crash, for the others to detect), and both files are removed.</li>
 * </ul>
 *
 * Each node runs its control plane and agent runtime (the built-in agent types, work directories
 * in {@code node-i/data/agents}) as {@code muster serve} does, with its Raft data in
 * {@code node-i/data}, kept across restarts. One {@link HealthReporter} of JVM scope (this
 * process's CPU share and heap, the figures the nodes really share) publishes every node's health,
 * with the default interval and max agents and no services.
 *
 * <p>The host exits once no pid file names it any more (the cluster was stopped, cleaned or its
 * directory removed). Checks run every {@link #CHECK_MILLIS}.
 */
public final class EmbeddedHost {

    static final long CHECK_MILLIS = 200;
    static final String KILL_FILE = "kill";
    static final String HOST_PID_FILE = "host.pid";
    /** Without any node for this long, the host ends: it is no longer part of a cluster. */
    private static final long IDLE_EXIT_MILLIS = 3000;

    private static final Logger log = LoggerFactory.getLogger(EmbeddedHost.class);

    private record Running(Cluster cluster, ControlPlane control, AgentRuntime agents, NodeServer http,
                           HealthReporter.Registration health) {}

    private final ClusterDir dir;
    private final long pid = ProcessHandle.current().pid();
    /** How long the host waits for its starter to write its pid (the host lease) before it gives up. */
    static final long LEASE_FIRST_WRITE_MILLIS = 10_000;
    private final long startedNanos = System.nanoTime();
    private boolean leaseSeen;
    private final Map<Integer, Running> running = new HashMap<>();
    private final Map<Integer, Thread> starting = new ConcurrentHashMap<>();
    private final Map<Integer, Running> started = new ConcurrentHashMap<>();
    /** One sampler for every node of this JVM. */
    private final HealthReporter reporter = HealthReporter.start(HealthReporter.Scope.JVM,
            HealthReporter.DEFAULT_INTERVAL);

    /** The cluster's token, read once: every node of this host serves its HTTP API with it. */
    private final String token;

    public EmbeddedHost(Path root) {
        this.dir = new ClusterDir(root);
        this.token = dir.ensureToken();
    }

    /** Runs until no node is left for this host. */
    public void run() throws InterruptedException {
        long idleSince = System.nanoTime();
        while (true) {
            ClusterDir.Layout layout = dir.read().orElse(null);
            if (layout == null || !holdsHostLease()) {
                // until the starter has written this host's pid once, give it time (as a node does)
                boolean waitingForStarter = !leaseSeen && layout != null
                        && (System.nanoTime() - startedNanos) / 1_000_000 < LEASE_FIRST_WRITE_MILLIS;
                if (!waitingForStarter) {
                    break;
                }
                Thread.sleep(CHECK_MILLIS);
                continue;
            }
            leaseSeen = true;
            collectStarted();
            for (int i = 1; i <= LocalCluster.MAX_SIZE; i++) {
                control(layout, i);
            }
            if (running.isEmpty() && starting.isEmpty()) {
                if ((System.nanoTime() - idleSince) / 1_000_000 > IDLE_EXIT_MILLIS) {
                    break;
                }
            } else {
                idleSince = System.nanoTime();
            }
            Thread.sleep(CHECK_MILLIS);
        }
        for (Running r : running.values()) {
            stopNode(r, true);
        }
        reporter.close();
    }

    private boolean holdsHostLease() {
        try {
            return Files.readString(dir.root().resolve(HOST_PID_FILE)).strip().equals(Long.toString(pid));
        } catch (IOException e) {
            return false;
        }
    }

    private void collectStarted() {
        for (Map.Entry<Integer, Running> e : started.entrySet()) {
            running.put(e.getKey(), e.getValue());
            started.remove(e.getKey());
            starting.remove(e.getKey());
        }
    }

    private void control(ClusterDir.Layout layout, int i) {
        OptionalLong owner = dir.pid(i);
        boolean wanted = owner.isPresent() && owner.getAsLong() == pid && i <= layout.size();
        Path kill = dir.nodeDir(i).resolve(KILL_FILE);
        Running r = running.get(i);
        if (r != null && Files.exists(kill)) {
            running.remove(i);
            stopNode(r, false);
            dir.clearPid(i);
            deleteQuietly(kill);
        } else if (r != null && !wanted) {
            running.remove(i);
            stopNode(r, true);
        } else if (r == null && wanted && !starting.containsKey(i)) {
            deleteQuietly(kill);
            java.util.List<dev.muster.Address> seeds = seeds(layout, i);
            starting.put(i, Thread.ofVirtual().name("muster-start-node-" + i).start(() -> startNode(layout, i, seeds)));
        }
    }

    /** The layout's seeds; node-1 (which founds the cluster with none) rejoins through up to three running nodes. */
    private java.util.List<dev.muster.Address> seeds(ClusterDir.Layout layout, int i) {
        java.util.List<dev.muster.Address> seeds = layout.seeds(i);
        if (!seeds.isEmpty()) {
            return seeds;
        }
        return running.keySet().stream().filter(k -> k != i).sorted().limit(3)
                .map(k -> new dev.muster.Address(layout.bindHost(), layout.gossipPort(k))).toList();
    }

    private void startNode(ClusterDir.Layout layout, int i, java.util.List<dev.muster.Address> seeds) {
        try {
            Cluster c = Cluster.start(ClusterConfig.builder().clusterName(layout.name()).nodeName("node-" + i)
                    .nodeIndex(i).clusterSize(layout.size()).bindHost(layout.bindHost()).port(layout.gossipPort(i))
                    .httpPort(layout.httpPort(i)).seeds(seeds)
                    .content(dev.muster.ContentConfig.DEFAULTS.withDir(dir.dataDir(i).resolve("content")))
                    .faultInjection(true).build()); // local clusters always take chaos and scenario faults
            c.services().register(dev.muster.examples.wordcount.MapService.SERVICE, new dev.muster.examples.wordcount.MapService());
            ControlPlane control;
            AgentRuntime agents;
            NodeServer http;
            try {
                control = ControlPlane.start(c, ControlConfig.builder().dataDir(dir.dataDir(i)).build());
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            agents = AgentRuntime.start(c, control, AgentTypes.builtIn(), dir.dataDir(i).resolve("agents"));
            try {
                http = NodeServer.start(c, control, agents, layout.bindHost(), layout.httpPort(i),
                        new NodeServer.Options(token, false, dev.muster.HttpConfig.DEFAULTS.eventsBuffer()));
            } catch (RuntimeException e) {
                agents.close();
                control.close();
                c.close();
                throw e;
            }
            control.onLeaderChanged(e -> log.info("node-{}: {}", i, e.current()
                    .map(l -> "leader " + l.name() + " term " + l.term()).orElse("no leader")));
            c.updateMetadata(c.localMember().metadata().with(NodeServer.HTTP_PORT_KEY, Integer.toString(http.port())));
            HealthReporter.Registration health = reporter.register(c, dir.dataDir(i),
                    HealthReporter.defaultMaxAgents(), java.util.Set.of(), agents::running);
            log.info("node-{} started: gossip {}, http {}", i, c.address(), http.port());
            started.put(i, new Running(c, control, agents, http, health));
        } catch (RuntimeException e) {
            log.error("node-{} could not start: {}", i, e.getMessage());
            dir.clearPid(i);
            starting.remove(i);
        }
    }

    /**
     * As {@code muster serve} does: its agents first, then Raft (the other replicas elect without
     * it at once), then membership. A kill stops the agents too: they are threads and processes of
     * this JVM, which goes on running.
     */
    private static void stopNode(Running r, boolean leave) {
        r.agents().close();
        r.health().close();
        r.control().close();
        if (leave) {
            r.cluster().leave(Duration.ofSeconds(5));
        } else {
            r.cluster().close();
        }
        r.http().close();
        log.info("{} {}", r.cluster().address(), leave ? "left" : "killed");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", p, e.getMessage());
        }
    }
}
