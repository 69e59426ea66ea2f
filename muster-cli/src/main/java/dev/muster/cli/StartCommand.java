package dev.muster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Durations;
import dev.muster.local.LocalCluster;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code muster start}: a local cluster of N node processes, started in parallel batches. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a local cluster of N nodes (node-1..node-N), wait until every node sees all N alive, and show it.")
final class StartCommand implements Callable<Integer> {

    /** A named size and its batch. */
    enum Profile {
        small(5, 3), medium(15, 5), large(30, 8), huge(50, 10);

        final int nodes;
        final int batch;

        Profile(int nodes, int batch) {
            this.nodes = nodes;
            this.batch = batch;
        }
    }

    @Mixin
    LocalOptions local;

    @Option(names = "--size", description = "Nodes to start (default: CLUSTER_SIZE, else the profile's, else 5).")
    Integer size;

    @Option(names = "--profile", description = "small (5 nodes, batch 3), medium (15/5), large (30/8), huge (50/10).")
    Profile profile;

    @Option(names = "--batch-size", description = "Nodes started at once; the next batch starts when they have joined.")
    Integer batchSize;

    @Option(names = "--sequential", description = "Start one node at a time.")
    boolean sequential;

    @Option(names = "--mode", defaultValue = "process",
            description = "process (one JVM per node; default) or embedded (every node in one JVM, each with its own ports).")
    String mode;

    @Option(names = "--cluster", defaultValue = "local", description = "Cluster name (default ${DEFAULT-VALUE}).")
    String clusterName;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Host the nodes bind to (default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--base-port", description = "Gossip port of node-1 (default: BASE_PORT, else 7946).")
    Integer basePort;

    @Option(names = "--http-base-port", description = "HTTP port of node-1 (default: BASE_HTTP_PORT, else 8151).")
    Integer httpBasePort;

    @Option(names = "--port-spacing", description = "Port step between nodes (default: PORT_SPACING, else 10).")
    Integer portSpacing;

    @Option(names = "--no-wait", description = "Return once every node has joined, without waiting for convergence.")
    boolean noWait;

    @Option(names = "--timeout", defaultValue = "60s", description = "Give up after this long (default ${DEFAULT-VALUE}).")
    String timeout;

    /** How long a start waits for the control group's first leader once membership converged. */
    static final Duration LEADER_WAIT = Duration.ofSeconds(15);

    @Override
    public Integer call() throws Exception {
        Duration limit = Durations.parse("--timeout", timeout);
        int n = size != null ? size : profile != null ? profile.nodes : LocalOptions.env("CLUSTER_SIZE", 5);
        int batch = sequential ? 1 : batchSize != null ? batchSize : profile != null ? profile.batch : defaultBatch(n);
        LocalCluster cluster = LocalCluster.create(local.dir, clusterName, n, mode, bind,
                basePort != null ? basePort : LocalOptions.env("BASE_PORT", 7946),
                httpBasePort != null ? httpBasePort : LocalOptions.env("BASE_HTTP_PORT", 8151),
                portSpacing != null ? portSpacing : LocalOptions.env("PORT_SPACING", 10),
                LocalOptions.nodeJvmOptions(local.dir));
        ProgressLine progress = new ProgressLine(!local.json);
        LocalCluster.StartReport report;
        java.util.Optional<String> leader = java.util.Optional.empty();
        try {
            report = cluster.start(batch, !noWait, limit, progress);
            if (!noWait) {
                leader = cluster.awaitLeader(LEADER_WAIT); // the table then shows it; without one, status says none
            }
        } finally {
            progress.done();
        }
        if (local.json) {
            ObjectNode out = new ObjectMapper().createObjectNode();
            out.put("nodes", report.nodes());
            out.put("batch_size", batch);
            out.put("launch_ms", report.launchMillis());
            if (!noWait) {
                out.put("converged_ms", report.convergedMillis());
                out.put("leader", leader.orElse(null));
            }
            out.put("dir", cluster.directory().toString());
            out.put("dashboard", dashboard(cluster, false));
            out.put("token_file", cluster.tokenFile().toString());
            System.out.println(out.toPrettyString());
        } else {
            StatusCommand.printTable(cluster.status(), cluster.size());
            System.out.printf("started %d nodes in batches of %d: all joined after %s%s%n", report.nodes(), batch,
                    seconds(report.launchMillis()),
                    noWait ? "" : ", every node saw all " + report.nodes() + " alive after " + seconds(report.convergedMillis()));
            System.out.println("cluster directory " + cluster.directory() + "; 'muster status', 'muster stop'");
            System.out.println("dashboard " + dashboard(cluster, true) + " (the token for writes is in "
                    + cluster.tokenFile() + ")");
        }
        return 0;
    }

    /**
     * Node 1's dashboard address; with {@code withToken}, the token in the fragment, which the page
     * reads and the browser never sends to a server.
     */
    static String dashboard(LocalCluster cluster, boolean withToken) {
        String host = cluster.bindHost().indexOf(':') >= 0 ? "[" + cluster.bindHost() + "]" : cluster.bindHost();
        String url = "http://" + host + ":" + cluster.httpPort(1) + "/";
        return withToken ? url + cluster.token().map(t -> "#token=" + t).orElse("") : url;
    }

    private static int defaultBatch(int n) {
        for (Profile p : Profile.values()) {
            if (n <= p.nodes) {
                return p.batch;
            }
        }
        return Profile.huge.batch;
    }

    static String seconds(long millis) {
        return String.format(java.util.Locale.ROOT, "%.2f s", millis / 1000.0);
    }
}
