package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five {@code muster serve --faults} processes, all Raft voters, partitioned over HTTP
 * ({@code POST /api/faults} black holes on both sides of every pair across the cut) into the
 * old leader with one other node against the other three: the three elect a leader in a higher
 * term and commit a write; the two refuse one (503); once healed, all five follow one leader and
 * hold the majority's write only. Every process is started by this test and ended by pid in
 * {@link #stopAll()}; on a failure every node's stderr is printed.
 */
class ControlPartitionProcessesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final int SIZE = 5;
    /** Gossip ports are base + 10 (i - 1), Raft gossip + 2, HTTP base + 50 + 10 (i - 1). */
    private static final int SPACING = 10;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    private record Node(String name, Process process, String gossip, int httpPort) {}

    private record Answer(int status, JsonNode body) {}

    @Test
    void theMajorityElectsAndWritesTheMinorityRefusesAndAllAgreeOnceHealed() throws Exception {
        try {
            partitionAndHeal();
        } catch (Throwable t) {
            for (int i = 1; i <= SIZE; i++) {
                System.err.println("---- stderr of node-" + i + " ----\n" + stderr("node-" + i));
            }
            throw t;
        }
    }

    private void partitionAndHeal() throws Exception {
        List<Node> nodes = startCluster();
        Awaitility.await("all five agree on one leader and are healthy").atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> agreedLeader(nodes) != null && nodes.stream().allMatch(n -> leaderSeenBy(n).path("healthy").asBoolean()));
        String first = agreedLeader(nodes);
        long firstTerm = leaderSeenBy(byName(nodes, first)).path("term").asLong();

        Node oldLeader = byName(nodes, first);
        Node follower = nodes.stream().filter(n -> n != oldLeader).findFirst().orElseThrow();
        List<Node> minority = List.of(oldLeader, follower);
        List<Node> majority = nodes.stream().filter(n -> !minority.contains(n)).toList();
        for (Node a : minority) {
            for (Node b : majority) {
                blackhole(a, b);
                blackhole(b, a);
            }
        }
        JsonNode rules = get(oldLeader.httpPort(), "/api/faults").body();
        assertThat(rules.path("rules")).as("the old leader's rules: %s", rules).hasSize(majority.size());

        Awaitility.await("the majority " + names(majority) + " elects a leader among itself in a term above " + firstTerm)
                .atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
                    String l = agreedLeader(majority);
                    return l != null && majority.contains(byName(nodes, l))
                            && majority.stream().allMatch(n -> leaderSeenBy(n).path("term").asLong() > firstTerm);
                });
        String second = agreedLeader(majority);
        long secondTerm = leaderSeenBy(byName(nodes, second)).path("term").asLong();

        Answer written = post(majority.get(0).httpPort(), "/api/cluster/strategy", "{\"strategy\": \"random\"}");
        assertThat(written.status()).as("a write on the majority side (%s, leader %s): %s",
                majority.get(0).name(), second, written.body()).isEqualTo(200);
        assertThat(written.body().path("strategy").asText()).isEqualTo("random");

        Answer refused = post(follower.httpPort(), "/api/cluster/strategy", "{\"strategy\": \"weighted\"}");
        assertThat(refused.status()).as("a write on the minority side (%s, cut off with %s): %s",
                follower.name(), first, refused.body()).isEqualTo(503);
        assertThat(refused.body().path("error").asText()).as("%s", refused.body()).isEqualTo("unavailable");
        assertThat(refused.body().path("detail").asText()).as("%s", refused.body()).isNotEmpty();

        for (Node n : nodes) {
            Answer healed = delete(n.httpPort(), "/api/faults");
            assertThat(healed.status()).as("heal %s: %s", n.name(), healed.body()).isEqualTo(200);
        }
        Awaitility.await("all five agree on one leader again, in term " + secondTerm + " or later")
                .atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> agreedLeader(nodes) != null
                        && nodes.stream().allMatch(n -> leaderSeenBy(n).path("term").asLong() >= secondTerm));
        for (Node n : nodes) {
            Answer read = awaitAnswer(n, "/api/cluster/strategy");
            assertThat(read.body().path("strategy").asText())
                    .as("%s holds the majority's write and not the minority's: %s", n.name(), read.body())
                    .isEqualTo("random");
        }
    }

    /** Starts node-1, then the other four joining it, and waits for every "serving" line. */
    private List<Node> startCluster() throws Exception {
        int base = freeBase();
        List<Process> started = new ArrayList<>();
        for (int i = 1; i <= SIZE; i++) {
            started.add(serve(i, base));
            if (i == 1) {
                awaitServing(started.get(0), "node-1"); // the others join through it
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 1; i <= SIZE; i++) {
            if (i > 1) {
                awaitServing(started.get(i - 1), "node-" + i);
            }
            nodes.add(new Node("node-" + i, started.get(i - 1), "127.0.0.1:" + gossipPort(base, i), httpPort(base, i)));
        }
        return nodes;
    }

    private static int gossipPort(int base, int i) {
        return base + (i - 1) * SPACING;
    }

    private static int httpPort(int base, int i) {
        return base + 50 + (i - 1) * SPACING;
    }

    private Process serve(int i, int base) throws IOException {
        String name = "node-" + i;
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx256m",
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "dev.muster.cli.Main", "serve", "--name", name, "--cluster", "partition",
                "--port", Integer.toString(gossipPort(base, i)), "--http-port", Integer.toString(httpPort(base, i)),
                "--bind", "127.0.0.1", "--faults", "--size", Integer.toString(SIZE), "--replicas", Integer.toString(SIZE),
                "--data-dir", dir.resolve(name).toString()));
        if (i > 1) {
            cmd.addAll(List.of("--join", "127.0.0.1:" + gossipPort(base, 1)));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve(name + ".err").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("CLUSTER_") || k.equals("NODE_INDEX") || k.equals("BASE_PORT")
                || k.equals("NODE_NAME") || k.equals("HTTP_PORT") || k.equals("PORT_SPACING") || k.equals("HTTP_BASE_PORT"));
        pb.environment().put("MUSTER_TOKEN", ServeProcess.TOKEN);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** Waits (60 s at most: five JVMs start on a small machine) for the node's first stdout line. */
    private void awaitServing(Process p, String name) throws Exception {
        String line = ProcessLines.first(p, java.time.Duration.ofSeconds(60));
        assertThat(line).as("%s printed its serving line; stderr: %s", name, stderr(name)).isNotNull().contains(" serving cluster ");
    }

    /**
     * A base port below Linux's ephemeral range (32768 and up), where other programs' connections
     * would take ports at random, whose gossip (UDP and TCP), Raft and HTTP ports are all free now.
     */
    private static int freeBase() {
        for (int attempt = 0; attempt < 20; attempt++) {
            int base = 20_000 + ThreadLocalRandom.current().nextInt(120) * 100;
            boolean free = true;
            for (int i = 1; i <= SIZE && free; i++) {
                int g = gossipPort(base, i);
                free = tcpFree(g) && udpFree(g) && tcpFree(g + 2) && tcpFree(httpPort(base, i));
            }
            if (free) {
                return base;
            }
        }
        throw new IllegalStateException("no free block of ports found in 20 tries below 32000");
    }

    private static boolean tcpFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static boolean udpFree(int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** Black-holes {@code peer} at {@code at}, by its gossip address. */
    private static void blackhole(Node at, Node peer) throws Exception {
        Answer a = post(at.httpPort(), "/api/faults", "{\"peer\": \"" + peer.gossip() + "\", \"blackhole\": true}");
        assertThat(a.status()).as("black hole %s at %s: %s", peer.name(), at.name(), a.body()).isEqualTo(200);
        assertThat(a.body().path("blackhole").asBoolean()).as("%s", a.body()).isTrue();
    }

    /** The first 200 answer of the node to GET {@code path} within the deadline. */
    private static Answer awaitAnswer(Node n, String path) {
        return Awaitility.await(n.name() + " answers GET " + path).atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    try {
                        return get(n.httpPort(), path);
                    } catch (IOException e) {
                        return new Answer(-1, JSON.createObjectNode().put("exception", e.toString()));
                    }
                }, a -> a.status() == 200);
    }

    private static Node byName(List<Node> nodes, String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no node named " + name));
    }

    private static List<String> names(List<Node> nodes) {
        return nodes.stream().map(Node::name).toList();
    }

    /** GET /api/cluster/leader of a node, or an empty object when it does not answer. */
    private static JsonNode leaderSeenBy(Node n) {
        try {
            return get(n.httpPort(), "/api/cluster/leader").body();
        } catch (Exception e) {
            ObjectNode none = JSON.createObjectNode();
            return none.put("exception", e.toString());
        }
    }

    /** The leader's name when every one of {@code nodes} reports the same one, else null. */
    private static String agreedLeader(List<Node> nodes) {
        return Leaders.agreed(nodes, ControlPartitionProcessesTest::leaderSeenBy);
    }

    private static Answer get(int httpPort, String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(httpPort, path)).GET());
    }

    private static Answer post(int httpPort, String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(httpPort, path)).POST(HttpRequest.BodyPublishers.ofString(body)).header("Authorization", ServeProcess.BEARER)
                .header("Content-Type", "application/json"));
    }

    private static Answer delete(int httpPort, String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(httpPort, path)).DELETE().header("Authorization", ServeProcess.BEARER));
    }

    private static URI uri(int httpPort, String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    private static Answer send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = HTTP.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    private String stderr(String name) {
        try {
            return Files.readString(dir.resolve(name + ".err"));
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
