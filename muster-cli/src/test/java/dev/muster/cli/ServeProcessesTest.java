package dev.muster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code muster serve} processes on loopback: they form a cluster; one killed with SIGKILL
 * is marked dead by the others; one stopped with SIGTERM leaves gracefully and is shown as left.
 * Every process is started by this test and ended by pid in {@link #stopAll()}.
 */
class ServeProcessesTest {

    private static final Pattern SERVING = Pattern.compile(
            "(\\S+) serving cluster '.*' at (\\S+):(\\d+), http \\S+:(\\d+);");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path logs;

    private record Served(Process process, String gossip, int httpPort) {}

    /** Starts {@code muster serve} in a new JVM on any free ports and waits for its "serving" line. */
    private Served serve(String name, String... more) throws Exception {
        return serve(name, 0, 0, more);
    }

    /** Starts {@code muster serve} in a new JVM on these ports and waits for its "serving" line. */
    private Served serve(String name, int port, int httpPort, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx256m",
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "dev.muster.cli.Main", "serve", "--name", name, "--cluster", "processes",
                "--port", Integer.toString(port), "--http-port", Integer.toString(httpPort), "--bind", "127.0.0.1"));
        cmd.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(logs.resolve(name + ".err").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("CLUSTER_") || k.equals("NODE_INDEX") || k.equals("BASE_PORT"));
        pb.environment().put("MUSTER_TOKEN", ServeProcess.TOKEN);
        Process p = pb.start();
        processes.add(p);
        String line = ProcessLines.first(p, java.time.Duration.ofSeconds(60));
        assertThat(line).as("%s printed its serving line; stderr: %s", name, stderr(name)).isNotNull();
        Matcher m = SERVING.matcher(line);
        assertThat(m.find()).as("serving line: %s", line).isTrue();
        return new Served(p, m.group(2) + ":" + m.group(3), Integer.parseInt(m.group(4)));
    }

    private String stderr(String name) {
        try {
            return Files.readString(logs.resolve(name + ".err"));
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }

    private static JsonNode get(int httpPort, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private record Answer(int status, JsonNode body) {}

    private static Answer post(int httpPort, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Authorization", ServeProcess.BEARER).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    /** GET /api/cluster/leader of a node, or an empty object when it does not answer. */
    private static JsonNode leaderSeenBy(Served s) {
        try {
            return get(s.httpPort(), "/api/cluster/leader");
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    /** The leader's name when every one of {@code nodes} reports the same one, else null. */
    private static String agreedLeader(List<Served> nodes) {
        return Leaders.agreed(nodes, ServeProcessesTest::leaderSeenBy);
    }

    /**
     * A base port for the control-plane test: below Linux's ephemeral range (32768 and up), where
     * other programs' connections would take ports at random; gossip, Raft (+2) and HTTP (+50).
     */
    private static int freeBase() {
        return 20_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(120) * 100;
    }

    @Test
    void threeReplicasElectALeaderFailOverHandItOverAndRefuseBadRequests() throws Exception {
        int base = freeBase();
        List<Served> nodes = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            List<String> more = new ArrayList<>(List.of("--size", "3", "--data-dir", logs.resolve("node-" + i).toString()));
            if (i > 1) {
                more.addAll(List.of("--join", "127.0.0.1:" + base));
            }
            nodes.add(serve("node-" + i, base + (i - 1) * 10, base + 50 + (i - 1) * 10, more.toArray(String[]::new)));
        }
        Awaitility.await("every node reports the same leader").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> agreedLeader(nodes) != null);
        String first = agreedLeader(nodes);
        JsonNode seen = leaderSeenBy(nodes.get(0));
        long firstTerm = seen.path("term").asLong();
        assertThat(seen.path("healthy").asBoolean()).as("%s", seen).isTrue();
        assertThat(seen.path("replicas")).extracting(JsonNode::asText).containsExactlyInAnyOrder("node-1", "node-2", "node-3");
        for (JsonNode n : get(nodes.get(1).httpPort(), "/api/cluster/nodes")) {
            assertThat(n.path("role").asText()).as("role of %s", n)
                    .isEqualTo(n.path("name").asText().equals(first) ? "leader" : "replica");
            assertThat(n.path("status").asText()).as("status of %s", n).isEqualTo("online");
        }

        Served victim = nodes.get(Integer.parseInt(first.substring("node-".length())) - 1);
        victim.process().destroyForcibly(); // SIGKILL the leader: its Raft and gossip ports just close
        List<Served> survivors = nodes.stream().filter(s -> s != victim).toList();
        Awaitility.await("the survivors elect a new leader in a higher term").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    String l = agreedLeader(survivors);
                    return l != null && !l.equals(first) && leaderSeenBy(survivors.get(0)).path("term").asLong() > firstTerm;
                });
        String second = agreedLeader(survivors);
        long secondTerm = leaderSeenBy(survivors.get(0)).path("term").asLong();
        Served other = survivors.stream().filter(s -> !nameOf(s, nodes).equals(second)).findFirst().orElseThrow();
        String target = nameOf(other, nodes);

        Answer moved = post(other.httpPort(), "/api/cluster/leader", "{\"node\": \"" + target + "\"}");
        assertThat(moved.status()).as("transfer to %s: %s", target, moved.body()).isEqualTo(200);
        assertThat(moved.body().path("leader").asText()).isEqualTo(target);
        assertThat(moved.body().path("term").asLong()).isGreaterThan(secondTerm);
        Awaitility.await("both survivors report " + target + " as leader").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)).until(() -> target.equals(agreedLeader(survivors)));

        int port = other.httpPort();
        long version = get(port, "/api/cluster/strategy").path("version").asLong(-1);
        assertThat(version).as("a linearizable read answers").isNotNegative();
        Answer unknown = post(port, "/api/cluster/nodes/node-9", "{\"status\": \"draining\"}");
        assertThat(unknown.status()).as("%s", unknown.body()).isEqualTo(404);
        assertThat(unknown.body().path("detail").asText()).contains("no member named 'node-9'");
        Answer fastest = post(port, "/api/cluster/strategy", "{\"strategy\": \"fastest\"}");
        assertThat(fastest.status()).as("%s", fastest.body()).isEqualTo(400);
        assertThat(fastest.body().path("detail").asText()).contains("round-robin", "least-loaded");
        Answer malformed = post(port, "/api/cluster/leader", "{\"node\": ");
        assertThat(malformed.status()).as("%s", malformed.body()).isEqualTo(400);
        assertThat(malformed.body().path("error").asText()).isEqualTo("bad request");
        assertThat(get(port, "/api/cluster/strategy").path("version").asLong())
                .as("bad requests change nothing").isEqualTo(version);
        assertThat(stderr(nameOf(other, nodes))).as("leader changes are printed").contains("leader " + target + " term ");
    }

    private static String nameOf(Served s, List<Served> nodes) {
        return "node-" + (nodes.indexOf(s) + 1);
    }

    /** The state of {@code member} in {@code observer}'s /api/cluster/nodes, or "unknown". */
    private static String stateOf(Served observer, String member) {
        try {
            for (JsonNode n : get(observer.httpPort(), "/api/cluster/nodes")) {
                if (n.get("name").asText().equals(member)) {
                    return n.get("state").asText();
                }
            }
            return "unknown";
        } catch (Exception e) {
            return "unreachable: " + e;
        }
    }

    @Test
    void threeProcessesFormAClusterDetectAKillAndSeeALeave() throws Exception {
        Served one = serve("node-1");
        Served two = serve("node-2", "--join", one.gossip());
        Served three = serve("node-3", "--join", one.gossip());

        Awaitility.await("all three see each other alive").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    for (Served s : List.of(one, two, three)) {
                        for (String m : List.of("node-1", "node-2", "node-3")) {
                            if (!stateOf(s, m).equals("alive")) {
                                return false;
                            }
                        }
                    }
                    return true;
                });
        JsonNode nodes = get(one.httpPort(), "/api/cluster/nodes");
        for (JsonNode n : nodes) {
            assertThat(n.has("address") && n.has("gossip_port") && n.has("http_port") && n.has("incarnation")
                    && n.has("roles") && n.has("metadata")).as("fields of %s", n).isTrue();
        }
        assertThat(get(two.httpPort(), "/health/ready").get("status").asText()).isEqualTo("ready");
        assertThat(get(two.httpPort(), "/health/alive").get("status").asText()).isEqualTo("alive");

        three.process().destroyForcibly(); // SIGKILL: no leave, its ports just close
        Awaitility.await("node-1 and node-2 mark the killed node-3 dead").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> stateOf(one, "node-3").equals("dead") && stateOf(two, "node-3").equals("dead"));

        two.process().destroy(); // SIGTERM: the shutdown hook leaves gracefully
        assertThat(two.process().waitFor(30, TimeUnit.SECONDS)).as("node-2 exits after SIGTERM").isTrue();
        Awaitility.await("node-1 shows node-2 as left, not dead").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> stateOf(one, "node-2"), s -> s.equals("left"));
    }

    @Test
    void aSecondNodeWithATakenNameIsRefusedWithAClearError() throws Exception {
        Served one = serve("node-1");
        serve("node-2", "--join", one.gossip());
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "dev.muster.cli.Main", "serve", "--name", "node-2", "--cluster", "processes", "--port", "0",
                "--http-port", "-1", "--join", one.gossip(), "--config", writeJoinTimeout("3s").toString());
        Process dup = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        processes.add(dup);
        assertThat(dup.waitFor(60, TimeUnit.SECONDS)).as("the duplicate gives up").isTrue();
        String output = new String(dup.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(dup.exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("node name 'node-2' is taken").contains("names must be unique");
        assertThat(stateOf(one, "node-2")).isEqualTo("alive");
    }

    private Path writeJoinTimeout(String timeout) throws IOException {
        Path f = logs.resolve("join.yaml");
        Files.writeString(f, "join-timeout: " + timeout + "\n");
        return f;
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
