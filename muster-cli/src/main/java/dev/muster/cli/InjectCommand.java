package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.local.ClusterApi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code muster inject}: stores content at one node of the local cluster
 * ({@code POST /api/cluster/content}) and, with {@code --wait}, follows it across the cluster:
 * coverage over time until every running node holds it or nothing new arrived for
 * {@link #QUIET}, then the time to full coverage (from the nodes' own first-seen stamps), the
 * hops and the pushes each node sent. Coverage below the running nodes says why when the energy
 * was too low for the cluster's size.
 */
@Command(name = "inject", mixinStandardHelpOptions = true,
        description = "Inject content at a node and (with --wait) watch it spread to every node.")
final class InjectCommand implements Callable<Integer> {

    /** Without a new holder for this long, the spread is over. */
    static final Duration QUIET = Duration.ofSeconds(2);
    static final Duration POLL = Duration.ofMillis(100);
    static final Duration LIMIT = Duration.ofSeconds(60);

    @Mixin
    LocalOptions local;

    @Mixin
    ApiOptions remote;

    static final class What {
        @Option(names = "--content", paramLabel = "TEXT", description = "The content, as UTF-8 text.")
        String text;

        @Option(names = "--file", paramLabel = "FILE", description = "The content, read from a file.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    @Option(names = "--energy", defaultValue = "10", description = "Hops it may travel, 0..64 (default ${DEFAULT-VALUE}).")
    int energy;

    @Option(names = "--fanout", defaultValue = "3", description = "Peers each node pushes to, one per part of its slice, 1..32 (default ${DEFAULT-VALUE}).")
    int fanout;

    @Option(names = "--node", paramLabel = "INDEX", description = "The node index to inject at (default 1; not with --url).")
    Integer node;

    @Option(names = "--wait", description = "Follow the spread and report coverage, times, hops and messages.")
    boolean wait;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        if (energy < 0 || energy > 64) {
            throw new IllegalArgumentException("--energy: " + energy + " must be between 0 and 64");
        }
        if (fanout < 1 || fanout > 32) {
            throw new IllegalArgumentException("--fanout: " + fanout + " must be between 1 and 32");
        }
        byte[] content = what.text != null ? what.text.getBytes(StandardCharsets.UTF_8) : read(what.file);
        ApiOptions.Target at = remote.node(local, node, "--node");
        JsonNode made = JSON.readTree(at.api().exchangeAt(at.node(), "POST", "/api/cluster/content?energy=" + energy
                + "&fanout=" + fanout, content, "application/octet-stream", Duration.ofSeconds(15)).orThrow());
        String digest = made.path("digest").asText();
        String name = at.node().name();
        ObjectNode out = JSON.createObjectNode();
        out.put("digest", digest).put("size", content.length).put("node", name)
                .put("energy", energy).put("fanout", fanout).put("duplicate", made.path("duplicate").asBoolean());
        if (!local.json) {
            System.out.println("injected " + digest + " (" + content.length + " bytes) at " + name
                    + ", energy " + energy + ", fanout " + fanout
                    + (made.path("duplicate").asBoolean() ? "; it held this content already, so nothing new spread" : ""));
        }
        if (wait) {
            // a local cluster's running nodes; with --url, the alive members its node lists
            follow(at.api(), remote.url == null ? at.api().endpoints() : at.api().members(), digest,
                    made.path("injected_at_ms").asLong(), out);
        }
        if (local.json) {
            System.out.println(out.toPrettyString());
        }
        return 0;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--file: cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Polls every running node until all hold the digest or the spread went quiet, then reports. */
    private void follow(ClusterApi api, List<ClusterApi.Endpoint> running, String digest, long injectedAt,
                        ObjectNode out) throws InterruptedException {
        Map<String, JsonNode> infos = new TreeMap<>();
        long start = System.nanoTime();
        long lastNew = start;
        ArrayNode progress = out.putArray("coverage");
        while (infos.size() < running.size() && System.nanoTime() - lastNew < QUIET.toNanos()
                && System.nanoTime() - start < LIMIT.toNanos()) {
            for (ClusterApi.Endpoint e : running) {
                if (!infos.containsKey(e.name())) {
                    Optional<JsonNode> info = api.getAt(e, "/api/cluster/content/" + digest + "/info")
                            .filter(a -> a.status() == 200 && a.body() != null).map(ClusterApi.Answer::body);
                    if (info.isPresent() && info.get().has("digest")) {
                        infos.put(e.name(), info.get());
                        lastNew = System.nanoTime();
                    }
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            progress.addObject().put("after_ms", ms).put("holders", infos.size());
            if (!local.json) {
                System.out.printf("  %6d ms  %d/%d nodes%n", ms, infos.size(), running.size());
            }
            if (infos.size() < running.size()) {
                Thread.sleep(POLL.toMillis());
            }
        }
        Spread spread = Spread.of(infos.values(), injectedAt);
        long last = spread.lastMs();
        int maxHops = spread.maxHops();
        Map<Integer, Integer> hops = spread.hops();
        long pushes = spread.pushes();
        long maxPushes = spread.maxPushes();
        boolean full = infos.size() == running.size();
        long reach = reach(energy, fanout);
        out.put("holders", infos.size()).put("running", running.size()).put("full", full);
        if (full) {
            out.put("full_coverage_ms", last);
        }
        ObjectNode h = out.putObject("hops");
        hops.forEach((k, v) -> h.put(Integer.toString(k), v));
        out.put("pushes_per_node", infos.isEmpty() ? 0 : pushes / (double) infos.size()).put("max_pushes_per_node", maxPushes);
        if (local.json) {
            return;
        }
        if (full) {
            System.out.println("full coverage: " + infos.size() + "/" + running.size() + " nodes, the last "
                    + last + " ms after the inject (by the nodes' first-seen clocks)");
        } else {
            System.out.println("partial coverage: " + infos.size() + "/" + running.size() + " nodes"
                    + (reach < running.size() ? "; energy " + energy + " with fanout " + fanout + " reaches at most "
                    + reach + " nodes, fewer than the " + running.size() + " running: raise --energy"
                    : "; the spread went quiet before reaching every node"));
        }
        StringBuilder hopLine = new StringBuilder();
        hops.forEach((k, v) -> hopLine.append(hopLine.length() == 0 ? "" : ", ").append(v).append(v == 1 ? " node" : " nodes")
                .append(" at ").append(k));
        System.out.println("hops from the origin: " + hopLine + "; " + maxHops + " at most");
        System.out.printf("pushes sent per node: %.1f on average, %d at most%n",
                infos.isEmpty() ? 0.0 : pushes / (double) infos.size(), maxPushes);
    }

    /**
     * What the holders' infos ({@code GET /api/cluster/content/{digest}/info}) say of one spread.
     *
     * @param lastMs the last holder's first-seen stamp less the inject time
     * @param hops holders by hop count
     */
    record Spread(long lastMs, int maxHops, Map<Integer, Integer> hops, long pushes, long maxPushes) {
        static Spread of(java.util.Collection<JsonNode> infos, long injectedAt) {
            long last = 0;
            int maxHops = 0;
            Map<Integer, Integer> hops = new TreeMap<>();
            long pushes = 0;
            long maxPushes = 0;
            for (JsonNode i : infos) {
                last = Math.max(last, i.path("first_seen_at_ms").asLong() - injectedAt);
                int h = i.path("hops").asInt();
                maxHops = Math.max(maxHops, h);
                hops.merge(h, 1, Integer::sum);
                pushes += i.path("pushes_sent").asLong();
                maxPushes = Math.max(maxPushes, i.path("pushes_sent").asLong());
            }
            return new Spread(last, maxHops, hops, pushes, maxPushes);
        }
    }

    /** The most nodes an inject can reach: 1 + f + f^2 + ... + f^energy (capped). */
    static long reach(int energy, int fanout) {
        long total = 1;
        long level = 1;
        for (int k = 1; k <= energy && total < 1_000_000_000L; k++) {
            level *= fanout;
            total += level;
        }
        return total;
    }
}
