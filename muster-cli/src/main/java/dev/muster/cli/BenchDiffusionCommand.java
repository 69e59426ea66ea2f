package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.local.LocalCluster;
import dev.muster.local.NodeClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster bench diffusion}: how fast injected content reaches every node of a local
 * cluster of node processes. Each run injects fresh content at a random node
 * ({@code POST /api/cluster/content}), waits until every node holds it, and takes the time from
 * the inject to the last node's first-seen stamp (the nodes share this machine's clock). Small
 * content travels as datagrams, large content over calls; both are measured. A few unmeasured
 * injects first open the connections and warm the code up.
 */
@Command(name = "diffusion", mixinStandardHelpOptions = true,
        description = "Measure the time from an inject to the last node holding the content, on node processes.")
final class BenchDiffusionCommand implements Callable<Integer> {

    @Option(names = "--nodes", defaultValue = "50", description = "Node processes, 2..100 (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--runs", defaultValue = "20", description = "Measured injects per size, 1..200 (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured injects first, 0..100 (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--energy", defaultValue = "10", description = "Energy of each inject (default ${DEFAULT-VALUE}).")
    int energy;

    @Option(names = "--fanout", defaultValue = "3", description = "Fanout of each inject (default ${DEFAULT-VALUE}).")
    int fanout;

    @Option(names = "--large-bytes", defaultValue = "65536", description = "Size of the large content, which"
            + " travels over calls; 0 skips it (default ${DEFAULT-VALUE}).")
    int largeBytes;

    @Option(names = "--base-port", defaultValue = "21946", description = "Gossip port of node-1; the ports of 50 nodes' gossip and HTTP stay below the ephemeral range (default ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--mode", defaultValue = "process", description = "process (the target's setting) or embedded,"
            + " all nodes in one host JVM (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--seed", description = "Seed of the inject points (default: the clock).")
    Long seed;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SETTLE = Duration.ofSeconds(180);
    private static final Duration RUN_LIMIT = Duration.ofSeconds(10);

    private NodeClient client;
    private LocalCluster cluster;

    @Override
    public Integer call() throws Exception {
        if (nodes < 2 || nodes > 100 || runs < 1 || runs > 200 || warmup < 0 || warmup > 100) {
            throw new IllegalArgumentException("--nodes must be 2..100, --runs 1..200, --warmup 0..100");
        }
        if (energy < 1 || energy > 64 || fanout < 1 || fanout > 32 || largeBytes < 0 || largeBytes > 1_000_000) {
            throw new IllegalArgumentException("--energy must be 1..64, --fanout 1..32, --large-bytes 0..1000000");
        }
        if (!mode.equals("process") && !mode.equals("embedded")) {
            throw new IllegalArgumentException("--mode: '" + mode + "' must be process or embedded");
        }
        long s = seed != null ? seed : System.nanoTime();
        Random random = new Random(s);
        ObjectNode out = JSON.createObjectNode();
        out.put("nodes", nodes).put("mode", mode).put("energy", energy).put("fanout", fanout).put("seed", s);
        Path dir = Files.createTempDirectory("muster-bench-diffusion-");
        try {
            cluster = LocalCluster.create(dir, "bench-diffusion", nodes, mode, "127.0.0.1", basePort,
                    basePort + 1000, 10, LocalOptions.nodeJvmOptions(dir));
            client = new NodeClient(cluster.bindHost(),
                    dev.muster.local.ApiToken.resolve(null, System.getenv(dev.muster.local.ApiToken.ENV), dir).value());
            long t0 = System.nanoTime();
            cluster.start(5, true, SETTLE, (phase, done, total) -> { });
            if (!cluster.awaitFormed(SETTLE)) {
                throw new IllegalStateException("the cluster did not form within " + SETTLE);
            }
            if (!json) {
                System.err.printf("started %d nodes (%s) in %.1f s%n", nodes, mode, (System.nanoTime() - t0) / 1e9);
            }
            for (int w = 0; w < warmup; w++) {
                once(random, 32, -1);
                if (largeBytes > 0) {
                    once(random, largeBytes, -1); // opens the call connections too
                }
            }
            out.set("small", series(random, 32, "small (32 bytes, datagrams)"));
            if (largeBytes > 0) {
                out.set("large", series(random, largeBytes, "large (" + largeBytes + " bytes, calls)"));
            }
        } finally {
            LocalCluster.discard(dir);
        }
        if (json) {
            System.out.println(out.toPrettyString());
        }
        return 0;
    }

    private ObjectNode series(Random random, int size, String label) throws Exception {
        List<Long> lastMs = new ArrayList<>();
        List<Long> hops = new ArrayList<>();
        List<Long> pushes = new ArrayList<>();
        int partial = 0;
        for (int run = 1; run <= runs; run++) {
            Optional<long[]> r = once(random, size, run);
            if (r.isEmpty()) {
                partial++;
                continue;
            }
            lastMs.add(r.get()[0]);
            hops.add(r.get()[1]);
            pushes.add(r.get()[2]);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("bytes", size).put("runs", runs).put("partial", partial);
        if (!lastMs.isEmpty()) {
            o.set("last_node_ms", BenchControlCommand.stats(lastMs));
            o.set("max_hops", BenchControlCommand.stats(hops));
            o.put("pushes_per_inject", pushes.stream().mapToLong(Long::longValue).average().orElse(0));
        }
        if (!json) {
            System.out.printf("%s, %d runs: last node after p50 %s ms, p99 %s ms, max %s ms; hops at most %s;"
                            + " %.0f pushes per inject (%.1f per node)%s%n", label, runs,
                    o.at("/last_node_ms/p50").asText("-"), o.at("/last_node_ms/p99").asText("-"),
                    o.at("/last_node_ms/max").asText("-"), o.at("/max_hops/max").asText("-"),
                    o.path("pushes_per_inject").asDouble(), o.path("pushes_per_inject").asDouble() / nodes,
                    partial == 0 ? "" : "; " + partial + " runs did not reach every node");
        }
        return o;
    }

    /** One inject; its [last node ms, max hops, pushes], or empty when some node never got it. */
    private Optional<long[]> once(Random random, int size, int run) throws Exception {
        int at = 1 + random.nextInt(nodes);
        byte[] content = new byte[size];
        random.nextBytes(content);
        byte[] tag = ("run " + run + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(tag, 0, content, 0, Math.min(tag.length, size));
        NodeClient.Raw posted = client.exchange(cluster.httpPort(at), "POST", "/api/cluster/content?energy=" + energy
                + "&fanout=" + fanout, content, "application/octet-stream", Duration.ofSeconds(10))
                .orElseThrow(() -> new IllegalStateException(cluster.name(at) + " did not answer the inject"));
        JsonNode made = JSON.readTree(posted.body());
        if (posted.status() != 201) {
            throw new IllegalStateException("the inject at " + cluster.name(at) + " answered " + posted.status() + ": " + made);
        }
        String digest = made.path("digest").asText();
        long injectedAt = made.path("injected_at_ms").asLong();
        Map<Integer, JsonNode> infos = new HashMap<>();
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        Thread.sleep(100); // the spread is measured by the nodes' stamps; polling early would only load them
        while (infos.size() < nodes && System.nanoTime() < deadline) {
            for (int i = 1; i <= nodes; i++) {
                int node = i;
                if (!infos.containsKey(node)) {
                    client.get(cluster.httpPort(node), "/api/cluster/content/" + digest + "/info")
                            .filter(n -> n.has("digest")).ifPresent(n -> infos.put(node, n));
                }
            }
            if (infos.size() < nodes) {
                Thread.sleep(50);
            }
        }
        if (infos.size() < nodes) {
            return Optional.empty();
        }
        InjectCommand.Spread spread = InjectCommand.Spread.of(infos.values(), injectedAt);
        return Optional.of(new long[] {spread.lastMs(), spread.maxHops(), spread.pushes()});
    }
}
