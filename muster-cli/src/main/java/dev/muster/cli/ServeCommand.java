package dev.muster.cli;

import dev.muster.Address;
import dev.muster.Cluster;
import dev.muster.ClusterConfig;
import dev.muster.ClusterConfigLoader;
import dev.muster.MemberEvent;
import dev.muster.Metadata;
import dev.muster.agents.Agent;
import dev.muster.agents.AgentRuntime;
import dev.muster.agents.AgentTypes;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import dev.muster.control.LeaderChanged;
import dev.muster.membership.MembershipConfig;
import dev.muster.balance.NodeLoad;
import dev.muster.server.HealthReporter;
import dev.muster.server.NodeServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code muster serve}: runs one node in the foreground until it is stopped. SIGTERM or Ctrl-C
 * leaves the cluster gracefully (the others show it as left); SIGKILL is a crash the others
 * detect.
 *
 * <p>Settings come from, in rising precedence: defaults, {@code --config FILE} (YAML or JSON),
 * the environment ({@code CLUSTER_NAME}, {@code CLUSTER_PORT}, {@code CLUSTER_SEEDS},
 * {@code NODE_INDEX}, {@code CLUSTER_SIZE}, {@code BASE_PORT}, {@code PORT_SPACING}, ...), and
 * these flags.
 *
 * <p>The node runs its control plane (Raft, on {@code --control-port}, by default the gossip port
 * + 2): as a replica or a client of the replicas, by {@code --replica}/{@code --no-replica} or the
 * default rule (nodes 1 to {@code --replicas} by index). Leader changes are printed on stderr
 * like member events.
 *
 * <p>Every {@code --health-interval} the node publishes its health in its metadata (the host's CPU,
 * memory, disk of {@code --data-dir} or the working directory, load per core), with its agents,
 * {@code --max-agents} and {@code --services} ({@link HealthReporter}).
 *
 * <p>Its agent runtime runs the agents the leader places here: the built-in types ({@code command},
 * {@code counter}) and those of {@code --agent-type}, each in {@code <data-dir>/agents/<id>} (a
 * temporary directory, removed at exit, without {@code --data-dir}). On SIGTERM the agents stop
 * first, then the control plane, then the node leaves.
 *
 * <p>Each {@code --service NAME=CLASS} registers a service handler under NAME once the node has
 * joined, before the "serving" line ({@link ServiceOption}); its instance is advertised in the
 * node's metadata ({@code svc.NAME}) and leaves with the node. ({@code --services} only lists
 * names in the health figures, for placing agents.)
 *
 * <p>Mutations of its HTTP API need the cluster token ({@code Authorization: Bearer TOKEN}):
 * {@code --token-file}, else {@code MUSTER_TOKEN}, {@code http.token} or {@code http.token-file}.
 * Without any, the node makes one and keeps it in {@code <data-dir>/http-token} (file mode 0600),
 * or, without {@code --data-dir}, prints it once on stderr. {@code --protect-reads} guards the
 * reads too ({@link TokenSource}).
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

    @Option(names = "--token-file", paramLabel = "FILE", description = "File whose first line is the token HTTP"
            + " mutations need (default: http.token or MUSTER_TOKEN, else one is made; see 'muster serve --help').")
    Path tokenFile;

    @Option(names = "--protect-reads", description = "HTTP reads (/api/*, /metrics) need the token too.")
    boolean protectReads;

    @Option(names = "--lease", paramLabel = "FILE", description = "Stop (leaving gracefully) once FILE is gone or no"
            + " longer holds this process's pid: how nodes of 'muster start' end with their cluster directory.")
    Path lease;

    @Option(names = "--exit-with-parent", paramLabel = "PID", hidden = true, description = "Stop (leaving gracefully)"
            + " once process PID has exited: how the nodes of a test cluster end when the test JVM dies.")
    Long exitWithParent;

    @Option(names = "--metadata", split = ",", paramLabel = "KEY=VALUE", description = "Metadata to publish.")
    Map<String, String> metadata;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the Raft log and snapshots live, so a"
            + " restarted replica recovers them (default: a temporary directory, removed at exit).")
    Path dataDir;

    @Option(names = "--replica", negatable = true, description = "Be a Raft voter from the start (--no-replica: never"
            + " at start; default: nodes 1..--replicas by index, node-1 alone in a cluster smaller than 3).")
    Boolean replica;

    @Option(names = "--replicas", paramLabel = "N", description = "Target number of Raft voters, 1..9 (default 3).")
    Integer replicas;

    @Option(names = "--control-port", paramLabel = "PORT",
            description = "Raft port, TCP (default -1: the gossip port + 2; 0 = any free port).")
    Integer controlPort;

    @Option(names = "--max-agents", paramLabel = "N", description = "Agents this node accepts at most, 0..10000"
            + " (default: 4 per available processor).")
    Integer maxAgents;

    @Option(names = "--services", split = ",", paramLabel = "NAME", description = "Services this node offers, published"
            + " with its health figures; repeat or separate with commas (names of A-Z, a-z, 0-9, '.', '_', '-').")
    List<String> services;

    @Option(names = "--health-interval", paramLabel = "DURATION", description = "How often the node samples CPU,"
            + " memory, disk and load and publishes what changed (default 5s; 50ms..10m).")
    String healthInterval;

    @Option(names = "--agent-type", paramLabel = "NAME=CLASS", converter = AgentTypeOption.Converter.class,
            description = "An agent type this node runs besides command and counter: a class on the class path that"
                    + " implements dev.muster.agents.Agent with a public no-argument constructor; repeatable."
                    + " Every node that may take such agents needs the same option.")
    List<AgentTypeOption> agentTypes;

    @Option(names = "--service", paramLabel = "NAME=CLASS", converter = ServiceOption.Converter.class,
            description = "A service this node serves, registered under NAME at start: a class on the class path that"
                    + " implements dev.muster.services.ServiceHandler with a public constructor taking the node"
                    + " (dev.muster.Cluster) or none; repeatable. (--services only names services in the health figures.)")
    List<ServiceOption> serviceHandlers;

    @Spec
    CommandSpec spec;

    /** One {@code --agent-type NAME=CLASS}, checked when parsed: the name's rule, and that the class loads and fits. */
    record AgentTypeOption(String name, String className) {
        static final String RULE = "must be NAME=CLASS: NAME 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-',"
                + " CLASS a class on the class path implementing " + Agent.class.getName()
                + " with a public no-argument constructor";

        static final class Converter implements CommandLine.ITypeConverter<AgentTypeOption> {
            @Override
            public AgentTypeOption convert(String value) {
                return NameClassOption.parse(value, RULE, (name, className) -> {
                    AgentTypes.builtIn().withClass(name, className);
                    return new AgentTypeOption(name, className);
                });
            }
        }
    }

    /** What {@code --max-agents}, {@code --services} and {@code --health-interval} set. */
    record Health(int maxAgents, java.util.Set<String> services, java.time.Duration interval) {}

    /** How long the control plane may take to close: its Raft server stops, the others elect without it. */
    private static final java.time.Duration CONTROL_CLOSE_TIMEOUT = java.time.Duration.ofSeconds(5);

    /** Helidon logs its start-up at INFO through java.util.logging; a node's own lines are enough. */
    private static final java.util.logging.Logger HELIDON_LOG = java.util.logging.Logger.getLogger("io.helidon");

    /**
     * The built-in agent types and those of {@code --agent-type}.
     *
     * @throws CommandLine.ParameterException when a name is given twice
     */
    AgentTypes agentTypes() {
        AgentTypes types = AgentTypes.builtIn();
        for (AgentTypeOption t : agentTypes == null ? List.<AgentTypeOption>of() : agentTypes) {
            try {
                types = types.withClass(t.name(), t.className());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--agent-type': '"
                        + t.name() + "=" + t.className() + "': " + e.getMessage() + "; give each NAME once");
            }
        }
        return types;
    }

    /**
     * The {@code --service} options, each name once.
     *
     * @throws CommandLine.ParameterException when a name is given twice
     */
    List<ServiceOption> serviceHandlers() {
        List<ServiceOption> all = serviceHandlers == null ? List.of() : serviceHandlers;
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (ServiceOption s : all) {
            if (!seen.add(s.name())) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--service': '"
                        + s.name() + "=" + s.className() + "': service " + s.name() + " is given twice; give each NAME once");
            }
        }
        return all;
    }

    @Override
    public Integer call() throws Exception {
        HELIDON_LOG.setLevel(java.util.logging.Level.WARNING);
        ClusterConfig config = config(System.getenv());
        ControlConfig controlConfig = controlConfig(config);
        String token = config.httpPort() < 0 ? null : TokenSource.resolve(config.http(), dataDir, config.nodeName());
        Health health = health();
        AgentTypes types = agentTypes();
        List<ServiceOption> handlers = serviceHandlers();
        CountDownLatch stopped = new CountDownLatch(1);
        if (lease != null) {
            // Before anything slow: a node whose starter died before writing its pid must end by itself.
            watchLease(lease, stopped);
        }
        if (exitWithParent != null) {
            watchParent(exitWithParent);
        }
        Cluster node = Cluster.start(config);
        // From here on SIGTERM leaves gracefully, whatever else start-up still does.
        AtomicReference<NodeServer> http = new AtomicReference<>();
        AtomicReference<ControlPlane> control = new AtomicReference<>();
        AtomicReference<HealthReporter> reporter = new AtomicReference<>();
        AtomicReference<AgentRuntime> agents = new AtomicReference<>();
        Path agentsDir = dataDir != null ? dataDir.resolve("agents") : java.nio.file.Files.createTempDirectory("muster-agents-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                // Agents stop first, while the control plane still takes their last reports.
                AgentRuntime a = agents.get();
                if (a != null) {
                    a.close();
                }
                HealthReporter r = reporter.get();
                if (r != null) {
                    r.close();
                }
                // The Raft server stops first, while this node is still a member: the other replicas
                // elect a new leader at once instead of waiting for membership to report the leave.
                closeControl(control.get());
                node.leave(config.leaveTimeout());
            } finally {
                NodeServer server = http.get();
                if (server != null) {
                    server.close();
                }
                if (dataDir == null) {
                    dev.muster.local.Trees.deleteQuietly(agentsDir); // no --data-dir: a temporary folder
                }
                stopped.countDown();
            }
        }, "muster-shutdown"));
        for (ServiceOption s : handlers) {
            node.services().register(s.name(), s.create(node));
        }
        if (handlers.stream().noneMatch(s -> s.name().equals(dev.muster.examples.wordcount.MapService.SERVICE))) {
            // every node takes part in muster wordcount unless told to serve another handler under that name
            node.services().register(dev.muster.examples.wordcount.MapService.SERVICE,
                    new dev.muster.examples.wordcount.MapService());
        }
        try {
            control.set(ControlPlane.start(node, controlConfig));
        } catch (dev.muster.control.ControlException e) {
            throw new dev.muster.ClusterException("node " + config.nodeName() + " could not start its control plane: "
                    + e.getMessage(), e);
        }
        control.get().onLeaderChanged(e -> System.err.println(describe(e)));
        agents.set(AgentRuntime.start(node, control.get(), types, agentsDir));
        if (config.httpPort() >= 0) {
            try {
                http.set(NodeServer.start(node, control.get(), agents.get(), config.bindHost(), config.httpPort(),
                        new NodeServer.Options(token, config.http().protectReads(), config.http().eventsBuffer())));
            } catch (RuntimeException e) {
                throw new dev.muster.ClusterException("node " + config.nodeName() + " could not serve HTTP on "
                        + config.bindHost() + ":" + config.httpPort() + ": " + e.getMessage()
                        + " — is another node running there? try 'muster clean' or another --http-port", e);
            }
            node.updateMetadata(node.localMember().metadata().with(NodeServer.HTTP_PORT_KEY,
                    Integer.toString(http.get().port())));
        }
        // After the HTTP port is in the metadata: the reporter's read-modify-write must not race that one.
        reporter.set(HealthReporter.start(HealthReporter.Scope.HOST, health.interval()));
        reporter.get().register(node, dataDir, health.maxAgents(), health.services(), agents.get()::running);
        node.subscribe(e -> System.err.println(describe(e)));
        System.out.println(config.nodeName() + " serving cluster '" + config.clusterName() + "' at " + node.address()
                + (http.get() == null ? "" : ", http " + config.bindHost() + ":" + http.get().port())
                + "; " + node.info().alive() + " alive"
                + "; serves " + String.join(", ", node.services().registered()));
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** How often the lease file is checked; a removed cluster directory ends its nodes within this. */
    static final long LEASE_CHECK_MILLIS = 2000;

    /**
     * How long a starting node waits for its starter to write its pid into the lease file; past
     * this a lease that never named it ends it (the starter died between spawn and writing).
     */
    static final long LEASE_FIRST_WRITE_MILLIS = 10_000;

    /**
     * Exits (through the shutdown hook, so the node leaves) once the lease file is gone or names
     * another pid: the cluster directory was removed or the node was replaced, so nothing may be
     * left running. Runs from the first moment of start-up; until the lease has named this process
     * once, an absent or older lease (a restart's predecessor) is allowed for
     * {@link #LEASE_FIRST_WRITE_MILLIS}.
     */
    private static void watchLease(Path file, CountDownLatch stopped) {
        long pid = ProcessHandle.current().pid();
        long startedAt = System.nanoTime();
        Thread watcher = new Thread(() -> {
            boolean held = false;
            while (stopped.getCount() > 0) {
                String named;
                try {
                    named = java.nio.file.Files.readString(file).strip();
                } catch (java.io.IOException e) {
                    named = "";
                }
                if (named.equals(Long.toString(pid))) {
                    held = true;
                } else if (held || (System.nanoTime() - startedAt) / 1_000_000 > LEASE_FIRST_WRITE_MILLIS) {
                    System.err.println("lease " + file + " is gone or names another process; leaving");
                    System.exit(0);
                }
                try {
                    Thread.sleep(held ? LEASE_CHECK_MILLIS : 200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "muster-lease");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * Exits (through the shutdown hook, so the node leaves) once process {@code pid} has exited, or
     * at once when there is no such process: the JVM that started this node died before it could
     * stop it. {@link ProcessHandle#onExit} polls for a process that is not our parent.
     */
    static void watchParent(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("--exit-with-parent (" + pid + ") must be a process id, 1 or more");
        }
        java.util.Optional<ProcessHandle> parent = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (parent.isEmpty()) {
            System.err.println("process " + pid + " (--exit-with-parent) is not running; leaving");
            System.exit(0);
        }
        parent.get().onExit().thenRun(() -> {
            System.err.println("process " + pid + " (--exit-with-parent) exited; leaving");
            System.exit(0);
        });
    }

    /** Closes the control plane, but gives up waiting after {@link #CONTROL_CLOSE_TIMEOUT}: the leave must go on. */
    private static void closeControl(ControlPlane control) {
        if (control == null) {
            return;
        }
        Thread closer = Thread.ofVirtual().name("muster-control-close").start(control::close);
        try {
            if (!closer.join(CONTROL_CLOSE_TIMEOUT)) {
                System.err.println("the control plane did not close within " + dev.muster.Durations.format(CONTROL_CLOSE_TIMEOUT)
                        + "; leaving anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String describe(LeaderChanged e) {
        return e.current().map(l -> "leader " + l.name() + " term " + l.term())
                .orElseGet(() -> "no leader" + e.previous().map(l -> " (was " + l.name() + " term " + l.term() + ")").orElse(""));
    }

    /**
     * The control plane's settings from the flags. A gossip port of 0 (any) makes the default Raft
     * port any free port too, since "gossip + 2" of a random port may be taken.
     *
     * @throws IllegalArgumentException naming the flag, the value and the rule
     */
    ControlConfig controlConfig(ClusterConfig config) {
        int raftPort = controlPort != null ? controlPort : -1;
        if (raftPort == -1 && config.port() == 0) {
            raftPort = 0;
        }
        try {
            return ControlConfig.builder().replica(replica).replicas(replicas != null ? replicas : 3).port(raftPort)
                    .dataDir(dataDir).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().replace("control.replicas", "--replicas")
                    .replace("control.port", "--control-port").replace("-1 (gossip port + 2)", "-1 (the gossip port + 2)"), e);
        }
    }

    /**
     * The health reporter's settings from the flags.
     *
     * @throws IllegalArgumentException naming the flag, the value and the rule
     */
    Health health() {
        int max = maxAgents != null ? maxAgents : HealthReporter.defaultMaxAgents();
        if (max < 0 || max > HealthReporter.MAX_AGENTS) {
            throw new IllegalArgumentException("--max-agents (" + max + ") must be between 0 and " + HealthReporter.MAX_AGENTS);
        }
        java.util.Set<String> offered = new java.util.TreeSet<>();
        if (services != null) {
            for (String service : services) {
                offered.add(service.strip());
            }
        }
        try {
            offered = new NodeLoad(-1, -1, -1, -1, 0, max, offered).services();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--services: " + e.getMessage(), e);
        }
        java.time.Duration interval = HealthReporter.DEFAULT_INTERVAL;
        if (healthInterval != null) {
            interval = dev.muster.Durations.parse("--health-interval", healthInterval);
        }
        if (interval.compareTo(HealthReporter.MIN_INTERVAL) < 0 || interval.compareTo(HealthReporter.MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("--health-interval (" + dev.muster.Durations.format(interval)
                    + ") must be between " + dev.muster.Durations.format(HealthReporter.MIN_INTERVAL) + " and "
                    + dev.muster.Durations.format(HealthReporter.MAX_INTERVAL));
        }
        return new Health(max, offered, interval);
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
        if (tokenFile != null || protectReads) {
            dev.muster.HttpConfig h = b.build().http();
            if (tokenFile != null) {
                h = h.withToken(null).withTokenFile(tokenFile);
            }
            b.http(protectReads ? h.withProtectReads(true) : h);
        }
        if (metadata != null) {
            b.metadata(Metadata.of(metadata));
        }
        ClusterConfig c = b.build();
        if (dataDir != null && c.content().dir() == null) {
            // content kept on disk with the rest of the node's state, so a restarted node still holds it
            c = c.toBuilder().content(c.content().withDir(dataDir.resolve("content"))).build();
        }
        return c;
    }
}
