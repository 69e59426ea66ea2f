package dev.muster.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.Durations;
import dev.muster.local.ApiToken;
import dev.muster.local.LocalCluster;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster bench api}: the latency of one node's REST API under a steady load. It starts a
 * local cluster of {@code --size} nodes (processes or embedded) in a temporary directory, or uses
 * the running one in {@code --dir}, waits until every node sees all alive, then sends
 * {@code GET --path} to one node open loop at {@code --rate} requests/s for {@code --duration}
 * after an unmeasured {@code --warmup} ({@link ApiLoad}), and reports the count, the errors, the
 * latency percentiles from each request's due time, the body size and the machine's load
 * average before and after. The target of issue 8: {@code /api/cluster/nodes} on 50 nodes, p99
 * under 5 ms at 200/s. A cluster it started is stopped and removed at the end. Confined to the
 * command's thread.
 */
@Command(name = "api", mixinStandardHelpOptions = true,
        description = "Measure a node's REST API latency under an open-loop load (default: GET /api/cluster/nodes,"
                + " 50 nodes, 200/s for 30 s).")
final class BenchApiCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--size", defaultValue = "50", description = "Nodes of the cluster it starts, 1..100 (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--mode", defaultValue = "process", description = "process or embedded (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--dir", paramLabel = "DIR", description = "Use the running local cluster in DIR instead of starting one.")
    Path dir;

    @Option(names = "--node", defaultValue = "1", description = "The node index to load (default ${DEFAULT-VALUE}).")
    int node;

    @Option(names = "--path", defaultValue = "/api/cluster/nodes", description = "The GET path (default ${DEFAULT-VALUE}).")
    String path;

    @Option(names = "--rate", defaultValue = "200", description = "Requests per second, 1..10000 (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--duration", defaultValue = "30s", description = "The measured part, 1s..10m (default ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--warmup", defaultValue = "5s", description = "Unmeasured load first, 0s..2m (default ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--base-port", defaultValue = "23946", description = "Gossip port of node-1 of the cluster it starts;"
            + " HTTP ports from base + 1000; 50 nodes stay below the ephemeral range (default ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--timeout", defaultValue = "240s", description = "How long the cluster may take to form (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--client", defaultValue = "connections", description = "connections: keep-alive connections, each"
            + " written and read by one thread at the due times, as wrk2 does; jdk: the JDK HttpClient, a virtual"
            + " thread per request (default ${DEFAULT-VALUE}).")
    String client;

    @Option(names = "--connections", defaultValue = "4", description = "Connections of the connections client, 1..64"
            + " (default ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Duration measured = Durations.parse("--duration", duration);
        Duration warm = Durations.parse("--warmup", warmup);
        Duration formTimeout = Durations.parse("--timeout", timeout);
        if (measured.compareTo(Duration.ofSeconds(1)) < 0 || measured.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("--duration (" + duration + ") must be between 1s and 10m");
        }
        if (warm.compareTo(Duration.ofMinutes(2)) > 0) {
            throw new IllegalArgumentException("--warmup (" + warmup + ") must be at most 2m");
        }
        if (rate < 1 || rate > 10_000) {
            throw new IllegalArgumentException("--rate (" + rate + ") must be between 1 and 10000");
        }
        if (!client.equals("connections") && !client.equals("jdk")) {
            throw new IllegalArgumentException("--client: '" + client + "' must be connections or jdk");
        }
        if (connections < 1 || connections > ConnectionLoad.MAX_CONNECTIONS) {
            throw new IllegalArgumentException("--connections (" + connections + ") must be between 1 and "
                    + ConnectionLoad.MAX_CONNECTIONS);
        }
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
            throw new IllegalArgumentException("--path '" + path + "' must start with / and hold no spaces");
        }
        if (dir == null && (basePort < 1024 || basePort + 1000 + 10 * size > 32_768)) {
            throw new IllegalArgumentException("--base-port (" + basePort + ") must be 1024 or more, and the HTTP ports"
                    + " of " + size + " nodes (base + 1000 + 10 per node) must stay below 32768, the ephemeral range");
        }
        Path started = null;
        LocalCluster cluster;
        if (dir != null) {
            cluster = LocalCluster.open(dir, LocalOptions.nodeJvmOptions(dir));
        } else {
            started = Files.createTempDirectory("muster-bench-api-");
            cluster = LocalCluster.create(started, "bench-api", size, mode, "127.0.0.1", basePort, basePort + 1000, 10,
                    LocalOptions.nodeJvmOptions(started));
        }
        try {
            if (node < 1 || node > cluster.size()) {
                throw new IllegalArgumentException("--node: " + node + " must be between 1 and " + cluster.size());
            }
            long t0 = System.nanoTime();
            if (started != null) {
                ProgressLine progress = new ProgressLine(!json);
                try {
                    cluster.start(10, true, formTimeout, progress);
                } finally {
                    progress.done();
                }
                if (!json) {
                    System.err.printf("started %d nodes (%s) in %.1f s%n", cluster.size(), mode, (System.nanoTime() - t0) / 1e9);
                }
            } else if (!cluster.awaitFormed(formTimeout)) {
                throw new IllegalStateException("the cluster in " + dir + " did not show every node alive within " + timeout);
            }
            Path root = cluster.directory();
            ApiToken token = ApiToken.resolve(null, System.getenv(ApiToken.ENV), root);
            URI url = URI.create("http://" + cluster.bindHost() + ":" + cluster.httpPort(node) + path);
            String loadBefore = loadAverage();
            ApiLoad.Result r = client.equals("jdk") ? new ApiLoad(url, token.value()).run(rate, warm, measured)
                    : new ConnectionLoad(url, token.value(), connections).run(rate, warm, measured);
            String loadAfter = loadAverage();
            ObjectNode out = report(r, cluster, measured, loadBefore, loadAfter);
            out.put("url", url.toString());
            System.out.println(json ? out.toPrettyString() : text(out));
            return r.errors() == 0 ? 0 : 1;
        } finally {
            if (started != null) {
                LocalCluster.discard(started);
            }
        }
    }

    private ObjectNode report(ApiLoad.Result r, LocalCluster cluster, Duration measured, String before, String after) {
        ObjectNode o = JSON.createObjectNode();
        o.put("nodes", cluster.size()).put("mode", cluster.mode()).put("path", path).put("rate", rate)
                .put("client", client.equals("jdk") ? "jdk" : "connections x " + connections)
                .put("duration_s", measured.toMillis() / 1000.0).put("requests", r.requests()).put("errors", r.errors())
                .put("achieved_rate", r.elapsedNanos() == 0 ? 0 : Math.round(r.requests() * 1e10 / r.elapsedNanos()) / 10.0)
                .put("body_bytes", r.bodyBytes());
        ObjectNode l = o.putObject("latency_us");
        l.put("p50", r.quantileMicros(0.50)).put("p90", r.quantileMicros(0.90)).put("p99", r.quantileMicros(0.99))
                .put("p999", r.quantileMicros(0.999)).put("max", r.maxMicros());
        o.put("loadavg_before", before).put("loadavg_after", after);
        return o;
    }

    private static String text(ObjectNode o) {
        return String.format(Locale.ROOT, "GET %s on %d nodes (%s), %d/s for %.0f s (client: %s): %d requests, %d errors, body %d bytes%n"
                        + "latency from the due time: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n"
                        + "load average before %s, after %s", o.get("path").asText(), o.get("nodes").asInt(),
                o.get("mode").asText(), o.get("rate").asInt(), o.get("duration_s").asDouble(), o.get("client").asText(),
                o.get("requests").asInt(),
                o.get("errors").asInt(), o.get("body_bytes").asLong(), ms(o, "p50"), ms(o, "p90"), ms(o, "p99"),
                ms(o, "p999"), ms(o, "max"), o.get("loadavg_before").asText(), o.get("loadavg_after").asText());
    }

    private static double ms(ObjectNode o, String q) {
        return o.path("latency_us").path(q).asLong() / 1000.0;
    }

    /** The first three fields of /proc/loadavg ("1.20 0.95 0.80"), or "-" where there is none. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
            return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "-";
        } catch (IOException e) {
            return "-";
        }
    }
}
