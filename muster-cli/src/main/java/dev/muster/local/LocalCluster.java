package dev.muster.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A cluster of {@code muster serve} processes on this machine, named {@code node-1 .. node-N},
 * kept in a {@link ClusterDir}. The {@code muster start / status / stop / node / restart / logs /
 * clean} commands are thin layers over it, and tests use it directly.
 *
 * <p>Nodes start in batches: every node of a batch is spawned at once, and the next batch
 * starts once the whole batch has joined (its {@code /health/ready} answers 200). Node 1 forms
 * the cluster; every other node joins through nodes 1-3. Each node holds a lease: its pid file;
 * a node whose pid file disappears (the directory was removed, or {@code muster clean} ran)
 * leaves and exits by itself within {@code ServeCommand.LEASE_CHECK_MILLIS}.
 *
 * <p>Not thread-safe: one command at a time.
 */
public final class LocalCluster {

    /** Ports between nodes at least: gossip (UDP + TCP) at the base, Raft at base + 2. */
    public static final int MIN_PORT_SPACING = 3;
    /** Nodes a local cluster may have: what one machine can hold with room. */
    public static final int MAX_SIZE = 100;
    /** How long a node may take to leave after SIGTERM before it is killed. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final long POLL_NANOS = 50_000_000L;
    /** System property with the class path for node processes; default: this JVM's (the muster jar). */
    public static final String CLASSPATH_PROPERTY = "muster.node.classpath";
    private static final String HOST_LOG = "host.log";

    /** Phases of a start, for a progress display. */
    public interface Progress {
        void update(String phase, int done, int total);
    }

    /** What a start measured. */
    public record StartReport(int nodes, long launchMillis, long convergedMillis) {}

    /**
     * One node as {@code muster status} shows it. {@code state}, {@code role} and {@code status}
     * are what the majority of the other nodes say about it (the node itself when no other
     * answers); {@code leaderSeen} and {@code termSeen} are the leader this node knows (null, -1
     * when none); {@code health} is the {"cpu","memory","disk","load","agents","max_agents"} object
     * the node shows for itself in {@code /api/cluster/nodes} (null while it does not answer).
     */
    public record NodeStatus(int index, String name, long pid, int gossipPort, int httpPort, String state,
                             int membersSeen, int aliveSeen, long incarnation, long uptimeMillis, long rssBytes,
                             String role, String status, String leaderSeen, long termSeen, JsonNode health) {}

    private final ClusterDir dir;
    private ClusterDir.Layout layout;
    private final NodeClient client;
    private final List<String> jvmOptions;
    /** Options every node this instance spawns gets besides its own, e.g. a test cluster's; none by default. */
    private List<String> serveOptions = List.of();
    /** The embedded host this instance spawned, if any (see {@link #host()}). */
    private ProcessHandle startedHost;

    private LocalCluster(ClusterDir dir, ClusterDir.Layout layout, List<String> jvmOptions) {
        this.dir = dir;
        this.layout = layout;
        this.client = new NodeClient(layout.bindHost());
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /**
     * Prepares a new cluster in {@code root}: checks everything first (ports, directory,
     * memory, descriptors, no cluster running there) and writes the layout only when all is well.
     * A new cluster starts without control-plane data: what an earlier cluster in the directory
     * left under {@code node-i/data} is removed; restarts of its nodes keep theirs.
     *
     * @throws IllegalArgumentException listing every problem, one per line
     */
    public static LocalCluster create(Path root, String name, int size, String bindHost, int basePort, int httpBasePort,
                                      int portSpacing, List<String> jvmOptions) {
        return create(root, name, size, "process", bindHost, basePort, httpBasePort, portSpacing, jvmOptions);
    }

    /**
     * As {@link #create(Path, String, int, String, int, int, int, List)}, in a mode: {@code process}
     * (one JVM per node) or {@code embedded} (every node in one host JVM, see {@link EmbeddedHost}).
     */
    public static LocalCluster create(Path root, String name, int size, String mode, String bindHost, int basePort,
                                      int httpBasePort, int portSpacing, List<String> jvmOptions) {
        if (!mode.equals("process") && !mode.equals("embedded")) {
            throw new IllegalArgumentException("--mode '" + mode + "' must be process or embedded");
        }
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("--size (" + size + ") must be between 1 and " + MAX_SIZE);
        }
        if (portSpacing < MIN_PORT_SPACING) {
            throw new IllegalArgumentException("--port-spacing (" + portSpacing + ") must be at least " + MIN_PORT_SPACING
                    + ": each node uses its gossip port and the gossip port + 2 (Raft)");
        }
        for (int offset : new int[] {0, ClusterDir.RAFT_PORT_OFFSET}) {
            int apart = Math.abs(basePort + offset - httpBasePort);
            if (apart % portSpacing == 0 && apart / portSpacing < size) {
                throw new IllegalArgumentException((offset == 0 ? "gossip ports from " + basePort : "Raft ports from "
                        + (basePort + offset)) + " and HTTP ports from " + httpBasePort + " overlap with spacing "
                        + portSpacing + " for " + size + " nodes; move --http-base-port");
            }
        }
        ClusterDir dir = new ClusterDir(root);
        ClusterDir.Layout layout = new ClusterDir.Layout(name, size, mode, bindHost, basePort, httpBasePort, portSpacing);
        List<String> problems = Preflight.check(dir, layout, 1);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        dir.removeData(MAX_SIZE);
        dir.write(layout);
        dir.ensureToken();
        return new LocalCluster(dir, layout, jvmOptions);
    }

    /** The cluster kept in {@code root}, as the last start left it. */
    public static LocalCluster open(Path root, List<String> jvmOptions) {
        ClusterDir dir = new ClusterDir(root);
        ClusterDir.Layout layout = dir.read().orElseThrow(() -> new IllegalArgumentException(
                "no cluster in " + dir.root() + "; start one with 'muster start' (or pass --dir)"));
        return new LocalCluster(dir, layout, jvmOptions);
    }

    public int size() {
        return layout.size();
    }

    /**
     * Gives every node this instance spawns from now on these {@code muster serve} options too:
     * how a test cluster makes its nodes end with the test JVM ({@code --exit-with-parent PID}),
     * which {@code muster start} must not, since its CLI exits right after the start. Process mode only.
     */
    public LocalCluster withServeOptions(List<String> options) {
        this.serveOptions = List.copyOf(options);
        return this;
    }

    /** The cluster's REST API, through its first running node that answers. */
    public ClusterApi api() {
        return new ClusterApi(this, client);
    }

    public Path directory() {
        return dir.root();
    }

    /**
     * The token the cluster's HTTP mutations need, as {@code muster start} wrote it into the
     * cluster directory; empty for a directory of an older start that has none.
     */
    public Optional<String> token() {
        Path f = dir.tokenFile();
        if (!Files.exists(f)) {
            return java.util.Optional.empty();
        }
        return Optional.of(TokenFile.read(f, "the cluster token file"));
    }

    /** Where the cluster's token is kept: {@code token} in the cluster directory. */
    public Path tokenFile() {
        return dir.tokenFile();
    }

    public String name(int index) {
        return "node-" + index;
    }

    /** The cluster's name, which a node joining it must share. */
    public String clusterName() {
        return layout.name();
    }

    /** The address every node binds to. */
    public String bindHost() {
        return layout.bindHost();
    }

    public int gossipPort(int index) {
        return layout.gossipPort(index);
    }

    public int httpPort(int index) {
        return layout.httpPort(index);
    }

    /** Node {@code index}'s log; in embedded mode the host's, which every node shares. */
    public Path logFile(int index) {
        return embedded() ? dir.root().resolve(HOST_LOG) : dir.logFile(index);
    }

    public String mode() {
        return layout.mode();
    }

    private boolean embedded() {
        return layout.mode().equals("embedded");
    }

    private void checkIndex(int index) {
        if (index < 1 || index > layout.size()) {
            throw new IllegalArgumentException("node index " + index + " must be between 1 and " + layout.size()
                    + " (the cluster's size)");
        }
    }

    // ------------------------------------------------------------------ start

    /** Starts nodes 1..N in batches and, unless {@code wait} is false, waits until every node sees N alive. */
    public StartReport start(int batchSize, boolean wait, Duration timeout, Progress progress) {
        return startRange(1, layout.size(), batchSize, wait, timeout, progress);
    }

    private StartReport startRange(int from, int to, int batchSize, boolean wait, Duration timeout, Progress progress) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size (" + batchSize + ") must be at least 1");
        }
        NodeArchive archive = archive();
        if (!embedded() && archive.pending()) {
            // before the clock starts: once, on the start after node-1's training run
            progress.update("archiving", 0, to - from + 1);
            archive.prepare(jvm());
        }
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        int total = to - from + 1;
        for (int first = from; first <= to; first += batchSize) {
            int last = Math.min(to, first + batchSize - 1);
            Map<Integer, ProcessHandle> batch = new HashMap<>();
            for (int i = first; i <= last; i++) {
                batch.put(i, launch(i));
            }
            for (int i = first; i <= last; i++) {
                awaitReady(i, batch.get(i), deadline);
                progress.update("started", i - from + 1, total);
            }
        }
        long launched = System.nanoTime();
        long converged = launched;
        if (wait) {
            awaitFormed(deadline, progress);
            converged = System.nanoTime();
        }
        return new StartReport(total, (launched - t0) / 1_000_000, (converged - t0) / 1_000_000);
    }

    /** Starts node {@code index}: its own process, or a node in the embedded host. */
    private ProcessHandle launch(int index) {
        if (!embedded()) {
            return spawn(index).toHandle();
        }
        ProcessHandle host = host();
        try {
            Files.createDirectories(dir.nodeDir(index));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir.nodeDir(index), e);
        }
        dir.writePid(index, host.pid()); // the host starts every node whose pid file names it
        return host;
    }

    /** The running embedded host of this cluster, started if there is none. */
    private ProcessHandle host() {
        Path hostPid = dir.root().resolve(EmbeddedHost.HOST_PID_FILE);
        OptionalLong known = readPid(hostPid);
        // the host this instance started: right after the spawn its command line may still be the
        // spawn helper's, and a second host started on that would take the lease from the first
        if (startedHost != null && startedHost.isAlive() && known.isPresent()
                && known.getAsLong() == startedHost.pid()) {
            return startedHost;
        }
        if (known.isPresent() && Processes.isHostOf(known.getAsLong(), dir)) {
            return ProcessHandle.of(known.getAsLong()).orElseThrow();
        }
        List<String> cmd = javaCommand(0, List.of("-Xmx512m"));
        cmd.addAll(List.of("dev.muster.cli.Main", "host", "--dir", dir.root().toString()));
        Process p = startDetached(cmd, dir.root().resolve(HOST_LOG));
        try {
            dir.writeHostPid(p.pid());
        } catch (UncheckedIOException e) {
            p.destroyForcibly();
            throw e;
        }
        startedHost = p.toHandle();
        return startedHost;
    }

    private static OptionalLong readPid(Path file) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(file).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * {@code java}, the JVM options and the class path of node processes, plus extra options.
     * With a jar class path, the node archive in the cluster directory is used when there is a
     * fresh one; when there is not, only node-1 (or the host) trains it ({@link NodeArchive}).
     */
    private List<String> javaCommand(int index, List<String> extra) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // its own session: closing the terminal does not hang it up
        }
        cmd.addAll(jvm());
        cmd.addAll(archive().options(index));
        cmd.addAll(extra);
        cmd.add("-cp");
        cmd.add(classpath());
        return cmd;
    }

    /** {@code java} and the JVM options of node processes: this JVM's own executable. */
    private List<String> jvm() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmOptions);
        return cmd;
    }

    private static String classpath() {
        // under Maven Surefire java.class.path is a manifest-only booter jar; the test class path is the real one
        return System.getProperty(CLASSPATH_PROPERTY, System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")));
    }

    /** The node archive of this cluster directory; none unless the class path is a single jar. */
    private NodeArchive archive() {
        String classpath = classpath();
        boolean jar = classpath.endsWith(".jar") && !classpath.contains(java.io.File.pathSeparator);
        return new NodeArchive(dir.root(), jar ? Path.of(classpath) : null, Runtime.version().feature());
    }

    private static Process startDetached(List<String> cmd, Path log) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(log.toFile()))
                .redirectInput(Redirect.from(Path.of("/dev/null").toFile()));
        // the node's settings are its flags; the caller's CLUSTER_* environment must not leak in
        pb.environment().keySet().removeIf(k -> k.startsWith("CLUSTER_") || k.equals("NODE_INDEX")
                || k.equals("NODE_NAME") || k.endsWith("BASE_PORT") || k.equals("PORT_SPACING") || k.startsWith("HTTP_")
                || k.equals("MUSTER_TOKEN"));
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd.get(cmd.size() - 1) + ": " + e.getMessage(), e);
        }
    }

    /** Spawns node {@code index} as its own JVM running {@code muster serve}, detached from this terminal. */
    private Process spawn(int index) {
        try {
            Files.createDirectories(dir.nodeDir(index));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir.nodeDir(index), e);
        }
        List<String> cmd = javaCommand(index, List.of());
        // NodeMain: 'muster serve' without picocli's model of every command (its classes cannot be archived)
        cmd.addAll(List.of("dev.muster.cli.NodeMain", "serve",
                "--name", name(index), "--cluster", layout.name(), "--bind", layout.bindHost(),
                "--port", Integer.toString(gossipPort(index)), "--http-port", Integer.toString(httpPort(index)),
                "--size", Integer.toString(layout.size()), "--lease", dir.pidFile(index).toString(),
                "--data-dir", dir.dataDir(index).toString(), "--token-file", dir.tokenFile().toString(),
                "--faults"));
        cmd.addAll(serveOptions);
        List<String> seeds = seeds(index).stream().map(dev.muster.Address::toString).toList();
        if (!seeds.isEmpty()) {
            cmd.add("--join");
            cmd.add(String.join(",", seeds));
        }
        Process p = startDetached(cmd, dir.logFile(index));
        dir.writePid(index, p.pid());
        return p;
    }

    /**
     * The seeds node {@code index} joins through: the layout's, except that node-1, which founds the
     * cluster with none, rejoins through up to three running nodes when it starts again (else a
     * restarted node-1 would stay a cluster of one).
     */
    private List<dev.muster.Address> seeds(int index) {
        List<dev.muster.Address> seeds = layout.seeds(index);
        if (!seeds.isEmpty()) {
            return seeds;
        }
        List<dev.muster.Address> running = new ArrayList<>();
        for (int i = 1; i <= layout.size() && running.size() < 3; i++) {
            if (i != index && isRunning(i)) {
                running.add(new dev.muster.Address(layout.bindHost(), gossipPort(i)));
            }
        }
        return running;
    }

    private void awaitReady(int index, ProcessHandle p, long deadlineNanos) {
        while (!client.ready(httpPort(index))) {
            if (!p.isAlive() || (embedded() && dir.pid(index).isEmpty())) {
                dir.clearPid(index);
                throw new IllegalStateException(name(index) + " stopped before it joined; "
                        + "its log " + logFile(index) + " ends with:\n" + tail(index, 5));
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException(name(index) + " did not join in time; see " + logFile(index));
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Waits until every running node sees all N alive; progress reports the fewest any node sees. */
    private void awaitFormed(long deadlineNanos, Progress progress) {
        int n = layout.size();
        while (true) {
            int fewest = Integer.MAX_VALUE;
            for (int i = 1; i <= n; i++) {
                int alive = client.get(httpPort(i), "/api/cluster/info").map(j -> j.path("alive").asInt()).orElse(0);
                fewest = Math.min(fewest, alive);
                if (alive < n) {
                    break;
                }
            }
            progress.update("converging", Math.min(fewest, n), n);
            if (fewest >= n) {
                return;
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new IllegalStateException("the cluster did not converge in time: some node sees only " + fewest
                        + " of " + n + " alive; 'muster status' shows which");
            }
            LockSupport.parkNanos(POLL_NANOS * 2);
        }
    }

    /** Waits until every node sees all N alive, or the timeout; true when it did. */
    public boolean awaitFormed(Duration timeout) {
        try {
            awaitFormed(System.nanoTime() + timeout.toNanos(), (p, d, t) -> { });
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * Waits until every running node reports the same leader, or the timeout; the leader's name
     * when they do. Membership converges before the control group has elected, so a start that
     * shows the cluster waits for this too.
     */
    public Optional<String> awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String agreed = null;
            boolean all = true;
            for (int i = 1; i <= layout.size() && all; i++) {
                if (!isRunning(i)) {
                    continue;
                }
                String l = client.get(httpPort(i), "/api/cluster/info").map(j -> j.path("leader"))
                        .filter(JsonNode::isTextual).map(JsonNode::asText).orElse(null);
                all = l != null && (agreed == null || agreed.equals(l));
                agreed = l;
            }
            if (all && agreed != null) {
                return Optional.of(agreed);
            }
            if (System.nanoTime() > deadline) {
                return Optional.empty();
            }
            LockSupport.parkNanos(POLL_NANOS * 2);
        }
    }

    // ------------------------------------------------------------------ one node

    /** The pid of node {@code index} if it runs as a node of this cluster. */
    public OptionalLong pid(int index) {
        checkIndex(index);
        OptionalLong pid = dir.pid(index);
        return pid.isPresent() && Processes.isNodeOf(pid.getAsLong(), dir, index) ? pid : OptionalLong.empty();
    }

    public boolean isRunning(int index) {
        return pid(index).isPresent();
    }

    /** Starts node {@code index} again (same name, ports and directory) and waits until it joined. */
    public void startNode(int index, Duration timeout) {
        checkIndex(index);
        if (isRunning(index)) {
            throw new IllegalArgumentException(name(index) + " is already running (pid " + pid(index).getAsLong() + ")");
        }
        List<String> problems = Preflight.check(dir, layout.withSize(index), index);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        awaitReady(index, launch(index), System.nanoTime() + timeout.toNanos());
    }

    /** SIGKILL: a crash, for the others to detect. */
    public void kill(int index) {
        OptionalLong pid = pid(index);
        if (pid.isEmpty()) {
            throw new IllegalArgumentException(name(index) + " is not running");
        }
        if (embedded()) {
            try {
                Files.writeString(dir.nodeDir(index).resolve(EmbeddedHost.KILL_FILE), "kill");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot ask the host to kill " + name(index), e);
            }
            awaitDown(index, Duration.ofSeconds(10));
            return;
        }
        Processes.kill(pid.getAsLong());
        dir.clearPid(index);
    }

    /** Embedded: waits until the host has taken node {@code index} down (its HTTP stops answering). */
    private void awaitDown(int index, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (client.get(httpPort(index), "/health/alive").isPresent() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Graceful: SIGTERM (the node leaves), SIGKILL after {@link #STOP_GRACE}. False when it was not running. */
    public boolean stop(int index) {
        OptionalLong pid = pid(index);
        dir.clearPid(index);
        if (pid.isEmpty()) {
            return false;
        }
        if (embedded()) {
            awaitDown(index, STOP_GRACE); // the host sees the pid file gone and the node leaves
        } else {
            Processes.stop(pid.getAsLong(), STOP_GRACE);
        }
        return true;
    }

    /** Stops and starts node {@code index} under the same name, ports and directory. */
    public void restart(int index, Duration timeout) {
        checkIndex(index);
        stop(index);
        startNode(index, timeout);
    }

    // ------------------------------------------------------------------ whole cluster

    /** Stops every node, in parallel; returns how many were running. */
    public int stopAll() {
        List<Thread> stoppers = new ArrayList<>();
        int[] stopped = new int[1];
        for (int i = 1; i <= layout.size(); i++) {
            int index = i;
            stoppers.add(Thread.ofVirtual().start(() -> {
                if (stop(index)) {
                    synchronized (stopped) {
                        stopped[0]++;
                    }
                }
            }));
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return stopped[0];
    }

    /**
     * Changes the size: growing starts nodes old+1..new, and any stopped node of 1..old, then
     * waits for convergence (each node's own expected size changes when it restarts);
     * shrinking stops nodes new+1..old gracefully.
     */
    public StartReport resize(int newSize, int batchSize, Duration timeout, Progress progress) {
        if (newSize < 1 || newSize > MAX_SIZE) {
            throw new IllegalArgumentException("--size (" + newSize + ") must be between 1 and " + MAX_SIZE);
        }
        int old = layout.size();
        if (newSize < old) {
            for (int i = newSize + 1; i <= old; i++) {
                stop(i);
            }
            layout = layout.withSize(newSize);
            dir.write(layout);
            return new StartReport(0, 0, 0);
        }
        ClusterDir.Layout grown = layout.withSize(newSize);
        List<String> problems = Preflight.check(dir, grown, old + 1);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        layout = grown;
        dir.write(layout);
        for (int i = 1; i <= old; i++) {
            if (!isRunning(i)) {
                startNode(i, timeout); // a resized cluster has all its nodes running
            }
        }
        StartReport r = startRange(old + 1, newSize, batchSize, false, timeout, progress);
        awaitFormed(System.nanoTime() + timeout.toNanos(), progress);
        return r;
    }

    /** One row per node: what the node itself and the majority of the others say about it. */
    public List<NodeStatus> status() {
        int n = layout.size();
        Map<Integer, JsonNode> info = new HashMap<>();
        Votes states = new Votes();
        Votes roles = new Votes();
        Votes statuses = new Votes();
        Map<Integer, JsonNode> health = new HashMap<>();
        for (int i = 1; i <= n; i++) {
            if (!isRunning(i)) {
                continue;
            }
            int index = i;
            client.get(httpPort(i), "/api/cluster/info").ifPresent(j -> info.put(index, j));
            client.get(httpPort(i), "/api/cluster/nodes").ifPresent(list -> {
                for (JsonNode m : list) {
                    String about = m.path("name").asText();
                    boolean self = about.equals(name(index));
                    states.add(about, m.path("state").asText(), self);
                    roles.add(about, m.path("role").asText(null), self);
                    statuses.add(about, m.path("status").asText(null), self);
                    if (self && m.path("health").isObject()) {
                        health.put(index, m.path("health"));
                    }
                }
            });
        }
        List<NodeStatus> rows = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            OptionalLong pid = pid(i);
            JsonNode j = info.get(i);
            String state = states.majority(name(i)).orElse(pid.isPresent() ? (j == null ? "starting" : j.path("state").asText()) : "stopped");
            JsonNode leader = j == null ? null : j.path("leader");
            rows.add(new NodeStatus(i, name(i), pid.orElse(-1), gossipPort(i), httpPort(i), state,
                    j == null ? 0 : j.path("members").asInt(), j == null ? 0 : j.path("alive").asInt(),
                    j == null ? -1 : j.path("incarnation").asLong(), j == null ? -1 : j.path("uptime_ms").asLong(),
                    pid.isPresent() ? Resources.rssBytes(pid.getAsLong()) : -1,
                    roles.majority(name(i)).orElse(null),
                    statuses.majority(name(i)).orElse(pid.isPresent() ? null : "offline"),
                    leader != null && leader.isTextual() ? leader.asText() : null,
                    j == null || !j.path("term").isNumber() ? -1 : j.path("term").asLong(), health.get(i)));
        }
        return rows;
    }

    /**
     * What the nodes say about each node: the others' majority wins; the node's own word counts
     * only when no other node answered about it.
     */
    private static final class Votes {
        private final Map<String, Map<String, Integer>> others = new HashMap<>();
        private final Map<String, String> own = new HashMap<>();

        void add(String about, String value, boolean self) {
            if (value == null || value.isEmpty()) {
                return;
            }
            if (self) {
                own.put(about, value);
            } else {
                others.computeIfAbsent(about, k -> new HashMap<>()).merge(value, 1, Integer::sum);
            }
        }

        Optional<String> majority(String about) {
            Optional<String> m = Optional.ofNullable(others.get(about)).flatMap(v -> v.entrySet().stream()
                    .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey));
            return m.isPresent() ? m : Optional.ofNullable(own.get(about));
        }
    }

    /** The last {@code lines} lines of node {@code index}'s log. */
    public String tail(int index, int lines) {
        try {
            List<String> all = Files.readAllLines(logFile(index));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * {@link #clean} for a temporary cluster (a bench's), then removes its directory with the logs
     * and data. Returns the pids ended.
     */
    public static List<Long> discard(Path root) {
        List<Long> ended = clean(root);
        Trees.deleteQuietly(root);
        return ended;
    }

    /**
     * Ends every process recorded in this directory's pid files that still is a node of this
     * cluster, removes the pid files and the layout. Returns the pids ended.
     */
    public static List<Long> clean(Path root) {
        ClusterDir dir = new ClusterDir(root);
        List<Long> ended = new ArrayList<>();
        int size = dir.read().map(ClusterDir.Layout::size).orElse(MAX_SIZE);
        for (int i = 1; i <= Math.max(size, MAX_SIZE); i++) {
            OptionalLong pid = dir.pid(i);
            if (pid.isPresent()) {
                if (Processes.isNodeOf(pid.getAsLong(), dir, i)) {
                    Processes.stop(pid.getAsLong(), Duration.ofSeconds(3));
                    ended.add(pid.getAsLong());
                }
                dir.clearPid(i);
            }
        }
        // A node whose starter died between spawning it and writing its pid holds no pid file; its
        // command line still names its lease, so it is found among this user's processes.
        for (long orphan : Processes.unrecordedNodesOf(dir, Math.max(size, MAX_SIZE))) {
            Processes.stop(orphan, Duration.ofSeconds(3));
            ended.add(orphan);
        }
        Path hostPid = dir.root().resolve(EmbeddedHost.HOST_PID_FILE);
        OptionalLong host = readPid(hostPid);
        if (host.isPresent()) {
            if (Processes.isHostOf(host.getAsLong(), dir)) {
                Processes.stop(host.getAsLong(), Duration.ofSeconds(5));
                ended.add(host.getAsLong());
            }
            try {
                Files.deleteIfExists(hostPid);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + hostPid, e);
            }
        }
        dir.removeLayout();
        return ended;
    }
}
