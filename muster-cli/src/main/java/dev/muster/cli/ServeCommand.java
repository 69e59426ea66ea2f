package dev.muster.cli;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.ClusterConfigLoader;
import dev.muster.MemberEvent;
import dev.muster.Metadata;
import dev.muster.membership.MembershipConfig;
import dev.muster.server.NodeServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster serve}: runs one node in the foreground until it is stopped. SIGTERM or Ctrl-C
 * leaves the cluster gracefully (the others show it as left); SIGKILL is a crash the others
 * detect.
 *
 * <p>Settings come from, in rising precedence: defaults, {@code --config FILE} (YAML or JSON),
 * the environment ({@code CLUSTER_NAME}, {@code CLUSTER_PORT}, {@code CLUSTER_SEEDS},
 * {@code NODE_INDEX}, {@code CLUSTER_SIZE}, {@code BASE_PORT}, {@code PORT_SPACING}, ...), and
 * these flags.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run one cluster node in the foreground (SIGTERM leaves gracefully).")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config file.")
    Path configFile;

    @Option(names = "--name", description = "Node name, unique in the cluster (default node-1, or node-<NODE_INDEX>).")
    String name;

    @Option(names = "--cluster", description = "Cluster name; nodes only join their own cluster (default muster).")
    String cluster;

    @Option(names = "--bind", description = "Address to bind the gossip and HTTP ports to (default 127.0.0.1).")
    String bind;

    @Option(names = "--port", description = "Gossip port, UDP and TCP (default 7946; 0 = any free port).")
    Integer port;

    @Option(names = "--advertise", paramLabel = "HOST[:PORT]",
            description = "Address the others reach this node at, when it differs from the bind address (NAT, containers).")
    String advertise;

    @Option(names = "--http-port", description = "HTTP port (default 8151; 0 = any free port; -1 = none).")
    Integer httpPort;

    @Option(names = "--join", split = ",", paramLabel = "HOST:PORT",
            description = "Seed addresses to join through; repeat or separate with commas.")
    List<String> join;

    @Option(names = "--size", description = "Expected cluster size: ready means this many alive.")
    Integer size;

    @Option(names = "--profile", description = "Membership timing: lan (default), local or wan.")
    String profile;

    @Option(names = "--faults", description = "Enable the transport's fault filter (chaos tests).")
    boolean faults;

    @Option(names = "--lease", paramLabel = "FILE", description = "Stop (leaving gracefully) once FILE is gone or no"
            + " longer holds this process's pid: how nodes of 'muster start' end with their cluster directory.")
    Path lease;

    @Option(names = "--metadata", split = ",", paramLabel = "KEY=VALUE", description = "Metadata to publish.")
    Map<String, String> metadata;

    /** Helidon logs its start-up at INFO through java.util.logging; a node's own lines are enough. */
    private static final java.util.logging.Logger HELIDON_LOG = java.util.logging.Logger.getLogger("io.helidon");

    @Override
    public Integer call() throws Exception {
        HELIDON_LOG.setLevel(java.util.logging.Level.WARNING);
        ClusterConfig config = config(System.getenv());
        Cluster node = Cluster.start(config);
        // From here on SIGTERM leaves gracefully, whatever else start-up still does.
        AtomicReference<NodeServer> http = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.leave(config.leaveTimeout());
            } finally {
                NodeServer server = http.get();
                if (server != null) {
                    server.close();
                }
                stopped.countDown();
            }
        }, "muster-shutdown"));
        if (config.httpPort() >= 0) {
            try {
                http.set(NodeServer.start(node, config.bindHost(), config.httpPort()));
            } catch (RuntimeException e) {
                throw new dev.muster.ClusterException("node " + config.nodeName() + " could not serve HTTP on "
                        + config.bindHost() + ":" + config.httpPort() + ": " + e.getMessage()
                        + " — is another node running there? try 'muster clean' or another --http-port", e);
            }
            node.updateMetadata(node.localMember().metadata().with(NodeServer.HTTP_PORT_KEY,
                    Integer.toString(http.get().port())));
        }
        node.subscribe(e -> System.err.println(describe(e)));
        System.out.println(config.nodeName() + " serving cluster '" + config.clusterName() + "' at " + node.address()
                + (http.get() == null ? "" : ", http " + config.bindHost() + ":" + http.get().port())
                + "; " + node.info().alive() + " alive");
        System.out.flush();
        if (lease != null) {
            watchLease(lease, stopped);
        }
        stopped.await();
        return 0;
    }

    /** How often the lease file is checked; a removed cluster directory ends its nodes within this. */
    static final long LEASE_CHECK_MILLIS = 2000;

    /**
     * Exits (through the shutdown hook, so the node leaves) once the lease file is gone or names
     * another pid: the cluster directory was removed or the node was replaced, so nothing may be
     * left running.
     */
    private static void watchLease(Path file, CountDownLatch stopped) {
        long pid = ProcessHandle.current().pid();
        Thread watcher = new Thread(() -> {
            while (stopped.getCount() > 0) {
                try {
                    Thread.sleep(LEASE_CHECK_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                String held;
                try {
                    held = java.nio.file.Files.readString(file).strip();
                } catch (java.io.IOException e) {
                    held = "";
                }
                if (!held.equals(Long.toString(pid))) {
                    System.err.println("lease " + file + " is gone or names another process; leaving");
                    System.exit(0);
                }
            }
        }, "muster-lease");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static String describe(MemberEvent e) {
        return e.type().name().toLowerCase(java.util.Locale.ROOT) + " " + e.member().name() + " " + e.member().address()
                + " incarnation " + e.member().incarnation();
    }

    /** Defaults, then the file, then the environment, then the flags. */
    ClusterConfig config(Map<String, String> env) {
        ClusterConfig.Builder b = configFile != null ? ClusterConfigLoader.fromFile(configFile) : ClusterConfig.builder();
        b.applyEnvironment(env);
        if (cluster != null) {
            b.clusterName(cluster);
        }
        if (name != null) {
            b.nodeName(name);
        }
        if (bind != null) {
            b.bindHost(bind);
        }
        if (port != null) {
            b.port(port);
        }
        if (advertise != null) {
            if (advertise.contains(":") && !advertise.startsWith("[") && advertise.indexOf(':') == advertise.lastIndexOf(':')
                    || advertise.startsWith("[")) {
                Address a = Address.parse(advertise);
                b.advertiseHost(a.host()).advertisePort(a.port());
            } else {
                b.advertiseHost(advertise);
            }
        }
        if (httpPort != null) {
            b.httpPort(httpPort);
        }
        if (join != null) {
            b.seeds(ClusterConfigLoader.parseSeeds(String.join(",", join)));
        }
        if (size != null) {
            b.clusterSize(size);
        }
        if (profile != null) {
            try {
                b.membership(MembershipConfig.preset(profile));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--profile: " + e.getMessage(), e);
            }
        }
        if (faults) {
            b.faultInjection(true);
        }
        if (metadata != null) {
            b.metadata(Metadata.of(metadata));
        }
        return b.build();
    }
}
