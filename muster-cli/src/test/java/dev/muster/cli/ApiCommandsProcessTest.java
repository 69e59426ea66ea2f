package dev.muster.cli;

import static dev.muster.cli.AgentsCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.muster.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.awaitility.Awaitility;
import dev.muster.local.ApiToken;
import dev.muster.local.ClusterApi;
import dev.muster.local.EventStream;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code muster nodes}, {@code node info}, {@code leader [--promote]}, {@code events} and the
 * token against one local cluster of three {@code muster serve} processes (three replicas),
 * started once for the class: through the local cluster's first running node and through
 * {@code --url} of another; a wrong token is refused with a 401 that names where it came from.
 * Following the stream, a strategy switch shows up live, and when node-1 stops the stream goes on
 * from another node (last, since it stops a node). The processes are ended by
 * {@link LocalCluster#clean}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiCommandsProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    static Path dir;

    private static LocalCluster cluster;

    @BeforeAll
    static void start() {
        System.setProperty(LocalCluster.CLASSPATH_PROPERTY,
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        int base = 20_000 + ThreadLocalRandom.current().nextInt(120) * 100;
        cluster = LocalCluster.create(dir, "api-cli", 3, "127.0.0.1", base, base + 50, 5,
                List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k", "-Xmx96m"));
        cluster.start(3, true, TIMEOUT, (phase, done, total) -> { });
        assertThat(cluster.awaitLeader(TIMEOUT)).as("the three nodes agree on a leader").isPresent();
    }

    @AfterAll
    static void clean() {
        LocalCluster.clean(dir);
    }

    private static AgentsCommandTest.Run muster(String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(List.of("--dir", dir.toString()));
        return run(argv);
    }

    private static String url(int index) {
        return "http://127.0.0.1:" + cluster.httpPort(index);
    }

    @Test
    void nodesListsEveryMemberAsATableOrTheApisJson() throws Exception {
        AgentsCommandTest.Run table = muster("nodes");
        assertThat(table.code()).as(table.err()).isZero();
        String[] lines = table.out().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0].split("\\s+")).containsExactly("NAME", "STATE", "ROLE", "STATUS", "ADDRESS", "HTTP", "CPU",
                "MEM", "AGENTS");
        for (int i = 1; i <= 3; i++) {
            String name = "node-" + i; // rows come in the API's order, the membership's
            String[] row = Arrays.stream(lines).filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow()
                    .split("\\s+");
            assertThat(row[1]).isEqualTo("alive");
            assertThat(row[2]).isIn("leader", "replica");
            assertThat(row[3]).isEqualTo("online");
            assertThat(row[4]).isEqualTo("127.0.0.1:" + cluster.gossipPort(i));
            assertThat(row[5]).isEqualTo(Integer.toString(cluster.httpPort(i)));
        }
        JsonNode json = JSON.readTree(muster("nodes", "--json", "--url", url(2)).out());
        assertThat(json.size()).isEqualTo(3);
        assertThat(json.get(0).path("health").isObject()).isTrue();
        assertThat(JSON.readTree(muster("nodes", "--json", "--filter", "healthy").out()).size()).isEqualTo(3);
        assertThat(muster("nodes", "--service", "no-such").out()).contains("no members match");
    }

    @Test
    void nodeInfoShowsOneMemberByNameOrIndex() throws Exception {
        AgentsCommandTest.Run byIndex = muster("node", "info", "2");
        assertThat(byIndex.code()).as(byIndex.err()).isZero();
        assertThat(byIndex.out()).startsWith("name:     node-2\n").contains("state:    alive")
                .contains("http:     127.0.0.1:" + cluster.httpPort(2));
        JsonNode json = JSON.readTree(muster("node", "info", "node-3", "--json", "--url", url(1)).out());
        assertThat(json.path("name").asText()).isEqualTo("node-3");
        assertThat(json.path("gossip_port").asInt()).isEqualTo(cluster.gossipPort(3));
        AgentsCommandTest.Run unknown = muster("node", "info", "node-9");
        assertThat(unknown.code()).as(unknown.err()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown node: no member named 'node-9'").contains("404");
    }

    @Test
    void leaderShowsTheLeaderAndPromoteHandsItToAnotherReplica() throws Exception {
        AgentsCommandTest.Run shown = muster("leader");
        assertThat(shown.code()).as(shown.err()).isZero();
        assertThat(shown.out()).startsWith("leader node-").contains("(term ").contains("replicas node-1, node-2, node-3");
        String before = JSON.readTree(muster("leader", "--json").out()).path("leader").asText();
        long termBefore = JSON.readTree(muster("leader", "--json").out()).path("term").asLong();
        String other = before.equals("node-2") ? "node-3" : "node-2";

        AgentsCommandTest.Run promoted = muster("leader", "--promote", other.substring("node-".length()));
        assertThat(promoted.code()).as(promoted.err()).isZero();
        assertThat(promoted.out()).startsWith("leader " + other + " (term ");
        Awaitility.await("every node knows " + other + " leads").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> Leaders.agreed(List.of(1, 2, 3), i -> {
                    try {
                        return JSON.readTree(muster("leader", "--json", "--url", url(i)).out());
                    } catch (Exception e) {
                        return JSON.createObjectNode();
                    }
                }), other::equals);
        assertThat(JSON.readTree(muster("leader", "--json").out()).path("term").asLong()).isGreaterThan(termBefore);

        AgentsCommandTest.Run nobody = muster("leader", "--promote", "node-9");
        assertThat(nobody.code()).as(nobody.err()).isEqualTo(1);
        assertThat(nobody.err()).contains("no member named 'node-9'");

        AgentsCommandTest.Run events = muster("events", "--types", "leader");
        assertThat(events.code()).as(events.err()).isZero();
        assertThat(events.out()).as("the buffered events hold the hand-over").contains("leader      " + other + " leads");
    }

    @Test
    void aWrongTokenIsRefusedWithWhereItCameFrom() {
        AgentsCommandTest.Run r = muster("leader", "--promote", "node-1", "--token", "not-the-cluster-token-0123");
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("unauthorized").contains("401").contains("the token sent came from --token")
                .contains("--token TOKEN or the MUSTER_TOKEN variable");
        AgentsCommandTest.Run read = muster("nodes", "--token", "not-the-cluster-token-0123");
        assertThat(read.code()).as("reads are open unless http.protect-reads: %s", read.err()).isZero();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void followingShowsLiveEventsAndFailsOverWhenTheNodeStops() throws Exception {
        ClusterApi api = ClusterApi.of(cluster, ApiToken.resolve(null, null, dir));
        EventStream stream = new EventStream(api, "strategy,member", null);
        List<EventStream.Event> got = new CopyOnWriteArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        Thread follower = Thread.ofVirtual().start(() -> stream.run(true, got::add, notices::add));
        try {
            for (String strategy : List.of("least-agents", "round-robin")) {
                AgentsCommandTest.Run r = muster("balance", strategy);
                assertThat(r.code()).as(r.err()).isZero();
                Awaitility.await("a live strategy event: " + strategy).atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                        .until(() -> got.stream().anyMatch(e -> e.type().equals("strategy")
                                && e.data().path("strategy").asText().equals(strategy)));
            }
            assertThat(cluster.stop(1)).isTrue();
            Awaitility.await("the follower reconnects to another node").atMost(TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> notices.stream().anyMatch(n -> n.startsWith("connected to node-2")));
            assertThat(follower.isAlive()).as("still following").isTrue();
        } finally {
            follower.interrupt();
            follower.join(Duration.ofSeconds(10));
        }
        assertThat(follower.isAlive()).as("the follower stops once interrupted").isFalse();
    }
}
