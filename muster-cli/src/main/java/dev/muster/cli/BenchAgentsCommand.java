package dev.muster.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muster.local.LocalCluster;
import dev.muster.local.NodeClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code muster bench agents}: agent failover on a local cluster of node processes.
 *
 * <p><b>Node crash</b>, {@code --runs} times: with {@code --agents} counter agents running, SIGKILL
 * a worker that holds some, and measure from the kill until the leader declares it dead, and
 * from then until every one of its agents runs elsewhere; the node is restarted before the next
 * run.
 *
 * <p><b>Leader crash during placement</b>, {@code --leader-runs} times: submit a burst of agents
 * through a worker and SIGKILL the leader at a random point of the burst. Each submission is
 * retried until the cluster answers (a 409 for an id that exists means an earlier try committed).
 * Until every acknowledged agent runs, every node's own list of running agents is sampled: an id
 * running on two nodes at once is a duplicate; an acknowledged id missing from the state, or not
 * running in the end, is lost.
 */
@Command(name = "agents", mixinStandardHelpOptions = true,
        description = "Measure how fast agents move off a crashed node, and check that a leader crash during"
                + " placement loses and duplicates none.")
final class BenchAgentsCommand implements Callable<Integer> {

    @Option(names = "--nodes", defaultValue = "10", description = "Node processes (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--agents", defaultValue = "100", description = "Agents running before each crash (default ${DEFAULT-VALUE}).")
    int agents;

    @Option(names = "--runs", defaultValue = "5", description = "Worker crashes measured (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--leader-runs", defaultValue = "20", description = "Leader crashes during placement (default ${DEFAULT-VALUE}).")
    int leaderRuns;

    @Option(names = "--burst", defaultValue = "10", description = "Agents submitted per leader crash (default ${DEFAULT-VALUE}).")
    int burst;

    @Option(names = "--base-port", defaultValue = "31946", description = "Gossip port of node-1 (default ${DEFAULT-VALUE}).")
    int basePort;

    @Option(names = "--seed", description = "Seed of the random crash points (default: the clock).")
    Long seed;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private final NodeClient client = new NodeClient("127.0.0.1");
    private LocalCluster cluster;
    private int nextId;

    @Override
    public Integer call() throws Exception {
        if (nodes < 4 || nodes > 30) {
            throw new IllegalArgumentException("--nodes (" + nodes + ") must be 4..30: three replicas and a worker at least");
        }
        if (agents < 1 || agents > 2000 || runs < 0 || runs > 100 || leaderRuns < 0 || leaderRuns > 100
                || burst < 1 || burst > 200) {
            throw new IllegalArgumentException("--agents must be 1..2000, --runs 0..100, --leader-runs 0..100, --burst 1..200");
        }
        long s = seed != null ? seed : System.nanoTime();
        Random random = new Random(s);
        ObjectNode out = JSON.createObjectNode();
        out.put("nodes", nodes).put("agents", agents).put("seed", s);
        Path dir = Files.createTempDirectory("muster-bench-agents-");
        try {
            cluster = LocalCluster.create(dir, "bench-agents", nodes, "process", "127.0.0.1", basePort, basePort + 1000, 10,
                    LocalOptions.nodeJvmOptions(dir));
            cluster.start(5, true, SETTLE, (phase, done, total) -> { });
            awaitLeader();
            Set<String> all = new TreeSet<>();
            for (int k = 0; k < agents; k++) {
                all.add(submit(2 + k % (nodes - 1)));
            }
            awaitRunning(all, System.nanoTime() + SETTLE.toNanos(), null);
            if (runs > 0) {
                out.set("node_crash", nodeCrashes(all, random));
            }
            if (leaderRuns > 0) {
                out.set("leader_crash", leaderCrashes(all, random));
            }
        } finally {
            LocalCluster.discard(dir);
        }
        if (json) {
            System.out.println(out.toPrettyString());
        } else {
            print(out);
        }
        return 0;
    }

    private ObjectNode nodeCrashes(Set<String> all, Random random) throws Exception {
        List<Long> deadMs = new ArrayList<>();
        List<Long> movedMs = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            String leader = awaitLeader();
            Map<String, String> placed = assignments(any(Set.of()));
            List<Integer> candidates = new ArrayList<>();
            for (int i = 4; i <= nodes; i++) {
                if (!("node-" + i).equals(leader) && placed.containsValue("node-" + i)) {
                    candidates.add(i);
                }
            }
            if (candidates.isEmpty()) {
                throw new IllegalStateException("no worker holds agents: " + placed);
            }
            int victim = candidates.get(random.nextInt(candidates.size()));
            Set<String> orphans = new TreeSet<>();
            placed.forEach((id, node) -> {
                if (node.equals("node-" + victim)) {
                    orphans.add(id);
                }
            });
            int leaderIndex = index(leader);
            long t0 = System.nanoTime();
            cluster.kill(victim);
            long deadline = t0 + SETTLE.toNanos();
            long dead = -1;
            while (System.nanoTime() < deadline && dead < 0) {
                if ("dead".equals(stateOf(leaderIndex, "node-" + victim))) {
                    dead = System.nanoTime();
                } else {
                    Thread.sleep(5);
                }
            }
            if (dead < 0) {
                throw new IllegalStateException("run " + run + ": node-" + victim + " was not declared dead within " + SETTLE);
            }
            long moved = awaitRunning(orphans, deadline, Set.of(victim));
            deadMs.add((dead - t0) / 1_000_000);
            movedMs.add((moved - dead) / 1_000_000);
            {
                System.err.printf("run %d: killed node-%d holding %d agents; declared dead after %d ms; all running elsewhere"
                        + " %d ms after that%n", run, victim, orphans.size(), (dead - t0) / 1_000_000, (moved - dead) / 1_000_000);
            }
            cluster.startNode(victim, SETTLE);
            awaitRunning(all, System.nanoTime() + SETTLE.toNanos(), null);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("runs", runs);
        o.set("declared_dead_after_kill_ms", BenchControlCommand.stats(deadMs));
        o.set("running_elsewhere_after_dead_ms", BenchControlCommand.stats(movedMs));
        return o;
    }

    private ObjectNode leaderCrashes(Set<String> all, Random random) throws Exception {
        int lost = 0;
        int duplicated = 0;
        List<Long> settledMs = new ArrayList<>();
        for (int run = 1; run <= leaderRuns; run++) {
            String leader = awaitLeader();
            int victim = index(leader);
            List<Integer> writers = new ArrayList<>();
            for (int i = 1; i <= nodes; i++) {
                if (i != victim) {
                    writers.add(i);
                }
            }
            int writer = writers.get(random.nextInt(writers.size()));
            int killAt = random.nextInt(burst);
            Set<String> wave = new TreeSet<>();
            long t0 = 0;
            for (int k = 0; k < burst; k++) {
                if (k == killAt) {
                    t0 = System.nanoTime();
                    cluster.kill(victim);
                }
                wave.add(submit(writer));
            }
            all.addAll(wave);
            Set<String> dups = new TreeSet<>();
            long done = awaitRunning(all, System.nanoTime() + SETTLE.toNanos(), Set.of(victim), dups);
            Map<String, String> placed = assignments(writer);
            int missing = 0;
            for (String id : all) {
                if (!placed.containsKey(id)) {
                    missing++;
                }
            }
            lost += missing;
            duplicated += dups.size();
            settledMs.add((done - t0) / 1_000_000);
            {
                System.err.printf("leader run %d: killed %s after %d of %d submissions; all %d agents ran again after %d ms;"
                        + " lost %d, duplicated %s%n", run, leader, killAt, burst, all.size(), (done - t0) / 1_000_000,
                        missing, dups.isEmpty() ? "none" : dups);
            }
            cluster.startNode(victim, SETTLE);
            // the wave goes again, so that every run starts from the same load and capacity
            for (String id : wave) {
                delete(writer, id);
            }
            all.removeAll(wave);
            awaitRunning(all, System.nanoTime() + SETTLE.toNanos(), null);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("runs", leaderRuns).put("lost", lost).put("duplicated", duplicated);
        o.set("all_running_after_kill_ms", BenchControlCommand.stats(settledMs));
        return o;
    }

    // ------------------------------------------------------------------ REST

    private String submit(int via) throws InterruptedException {
        String id = "bench-" + (nextId++);
        String body = "{\"id\":\"" + id + "\",\"type\":\"counter\"}";
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline) {
            int code = post(via, "/api/cluster/agents", body);
            if (code == 201 || code == 409) { // 409: an earlier try committed
                return id;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("agent " + id + " was not accepted within " + SETTLE);
    }

    private void delete(int via, String id) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline) {
            int code = client.send(cluster.httpPort(via), "DELETE", "/api/cluster/agents/" + id, null,
                    Duration.ofSeconds(5)).map(NodeClient.Answer::status).orElse(-1);
            if (code == 200 || code == 404) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("agent " + id + " was not stopped within " + SETTLE);
    }

    private int post(int node, String path, String body) {
        return client.send(cluster.httpPort(node), "POST", path, body, Duration.ofSeconds(5))
                .map(NodeClient.Answer::status).orElse(-1);
    }

    private Optional<JsonNode> get(int node, String path) {
        return client.get(cluster.httpPort(node), path);
    }

    private String awaitLeader() throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> l = get(any(Set.of()), "/api/cluster/leader").map(j -> j.path("leader"))
                    .filter(JsonNode::isTextual).map(JsonNode::asText);
            if (l.isPresent() && cluster.isRunning(index(l.get()))) {
                return l.get();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no leader within " + SETTLE);
    }

    private int any(Set<Integer> except) {
        for (int i = 1; i <= nodes; i++) {
            if (!except.contains(i) && cluster.isRunning(i)) {
                return i;
            }
        }
        throw new IllegalStateException("no node runs");
    }

    /** Agent id to node, for agents that are placed, as node {@code via} sees it. */
    private Map<String, String> assignments(int via) {
        Map<String, String> out = new HashMap<>();
        get(via, "/api/cluster/agents").ifPresent(list -> list.forEach(a -> {
            if (a.path("node").isTextual()) {
                out.put(a.path("id").asText(), a.path("node").asText());
            }
        }));
        return out;
    }

    /** The state of {@code node} as node {@code seenBy} sees it. */
    private String stateOf(int seenBy, String node) {
        Optional<JsonNode> list = get(seenBy, "/api/cluster/nodes");
        if (list.isEmpty()) {
            return "";
        }
        for (JsonNode n : list.get()) {
            if (n.path("name").asText().equals(node)) {
                return n.path("state").asText();
            }
        }
        return "";
    }

    private long awaitRunning(Set<String> ids, long deadline, Set<Integer> down) throws InterruptedException {
        return awaitRunning(ids, deadline, down, new TreeSet<>());
    }

    /**
     * Waits until every id runs, as the state says, on the node the state names, and that node's
     * own list shows it running; meanwhile records any id that two nodes list as running at once.
     *
     * @return the time it was so
     */
    private long awaitRunning(Set<String> ids, long deadline, Set<Integer> down, Set<String> duplicates)
            throws InterruptedException {
        Set<Integer> skip = down == null ? Set.of() : down;
        while (System.nanoTime() < deadline) {
            Map<String, String> runningOn = new HashMap<>();
            for (int i = 1; i <= nodes; i++) {
                if (skip.contains(i) || !cluster.isRunning(i)) {
                    continue;
                }
                int node = i;
                get(i, "/api/node/agents").ifPresent(list -> list.forEach(a -> {
                    if (a.path("phase").asText().equals("running")) {
                        String before = runningOn.put(a.path("id").asText(), "node-" + node);
                        if (before != null) {
                            duplicates.add(a.path("id").asText());
                        }
                    }
                }));
            }
            Optional<JsonNode> state = get(any(skip), "/api/cluster/agents");
            if (state.isPresent()) {
                Map<String, JsonNode> byId = new HashMap<>();
                state.get().forEach(a -> byId.put(a.path("id").asText(), a));
                boolean allRunning = true;
                for (String id : ids) {
                    JsonNode a = byId.get(id);
                    if (a == null || !a.path("phase").asText().equals("running")
                            || !a.path("node").asText().equals(runningOn.get(id))) {
                        allRunning = false;
                        break;
                    }
                }
                if (allRunning) {
                    return System.nanoTime();
                }
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("agents did not all run within " + SETTLE);
    }

    private static int index(String node) {
        return Integer.parseInt(node.substring(node.lastIndexOf('-') + 1));
    }

    private void print(ObjectNode out) {
        JsonNode c = out.get("node_crash");
        if (c != null) {
            System.out.printf("worker crash (%d nodes, %d agents, %d runs): declared dead after p50 %d ms, p99 %d ms;"
                            + " its agents ran elsewhere p50 %d ms, p99 %d ms, max %d ms after that%n", nodes, agents,
                    c.get("runs").asInt(), c.at("/declared_dead_after_kill_ms/p50").asLong(),
                    c.at("/declared_dead_after_kill_ms/p99").asLong(), c.at("/running_elsewhere_after_dead_ms/p50").asLong(),
                    c.at("/running_elsewhere_after_dead_ms/p99").asLong(), c.at("/running_elsewhere_after_dead_ms/max").asLong());
        }
        JsonNode l = out.get("leader_crash");
        if (l != null) {
            System.out.printf("leader crash during placement (%d runs of %d agents): lost %d, duplicated %d; all running again"
                            + " p50 %d ms, p99 %d ms after the kill%n", l.get("runs").asInt(), burst, l.get("lost").asInt(),
                    l.get("duplicated").asInt(), l.at("/all_running_after_kill_ms/p50").asLong(),
                    l.at("/all_running_after_kill_ms/p99").asLong());
        }
        System.out.println("seed " + out.get("seed").asLong());
    }
}
