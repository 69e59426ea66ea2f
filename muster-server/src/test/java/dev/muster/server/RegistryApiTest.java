package dev.muster.server;

import static dev.muster.server.Http.assertError;
import static dev.muster.server.Http.delete;
import static dev.muster.server.Http.get;
import static dev.muster.server.Http.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muster.Cluster;
import dev.muster.control.ControlConfig;
import dev.muster.control.ControlPlane;
import dev.muster.membership.MembershipConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registration through the API on a two-node cluster in this JVM: a node registered through
 * node-1 is a member every node lists, its heartbeats change the figures node-2 sees, a status
 * write still works on the same path, and it leaves on DELETE, when its heartbeats stop (a
 * server with a one-second timeout) and when its server closes. Bad bodies are refused and
 * register nothing.
 */
class RegistryApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String WEB_1 = "{\"id\": \"web-1\", \"hostname\": \"web-1.example.com\", \"ip\": \"10.0.0.7\","
            + " \"port\": 8080, \"max_agents\": 0, \"services\": [\"web\", \"static\"]}";

    @TempDir
    static Path dir;

    private static Cluster one;
    private static Cluster two;
    private static ControlPlane control1;
    private static ControlPlane control2;
    private static NodeServer http1;
    private static NodeServer http2;
    /** Serves node-1 too, with a one-second heartbeat timeout. */
    private static NodeServer quick;

    @BeforeAll
    static void start() throws Exception {
        one = node("node-1", List.of());
        control1 = ControlPlane.start(one, ControlConfig.builder().port(0).dataDir(dir.resolve("node-1")).build());
        two = node("node-2", List.of(one.address()));
        control2 = ControlPlane.start(two, ControlConfig.builder().port(0).dataDir(dir.resolve("node-2")).build());
        Registry.Settings local = new Registry.Settings(Registry.HEARTBEAT_TIMEOUT, MembershipConfig.local());
        http1 = NodeServer.start(one, control1, null, "127.0.0.1", 0, local);
        http2 = NodeServer.start(two, control2, null, "127.0.0.1", 0, local);
        quick = NodeServer.start(one, control1, null, "127.0.0.1", 0,
                new Registry.Settings(Duration.ofSeconds(1), MembershipConfig.local()));
        Awaitility.await("node-2 knows node-1 as leader").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> get(http2, "/api/cluster/leader").body().path("leader").asText(""), "node-1"::equals);
    }

    private static Cluster node(String name, List<dev.muster.Address> seeds) {
        return Loopback.node("registry-test", name, seeds);
    }

    @AfterAll
    static void stop() {
        Closing.all(quick, http2, http1, control2, control1, two, one);
    }

    /** The member of that name as {@code s} lists it. */
    private static Optional<JsonNode> seenBy(NodeServer s, String name) throws Exception {
        return StreamSupport.stream(get(s, "/api/cluster/nodes").body().spliterator(), false)
                .filter(n -> n.path("name").asText().equals(name)).findFirst();
    }

    private static String stateSeenBy(NodeServer s, String name) throws Exception {
        return seenBy(s, name).map(n -> n.path("state").asText()).orElse("unknown");
    }

    private static int members(NodeServer s) throws Exception {
        return get(s, "/api/cluster/nodes").body().size();
    }

    @Test
    void aRegisteredNodeIsAMemberItsHeartbeatsAreSeenAndItLeavesOnDelete() throws Exception {
        Http.Answer reg = post(http1, "/api/cluster/nodes", WEB_1);
        assertThat(reg.status()).as("%s", reg.body()).isEqualTo(201);
        assertThat(reg.body().path("name").asText()).isEqualTo("web-1");
        assertThat(reg.body().path("state").asText()).isEqualTo("alive");
        assertThat(reg.body().path("services")).extracting(JsonNode::asText).containsExactly("static", "web");
        assertThat(reg.body().at("/health/max_agents").asInt()).isZero();
        assertThat(reg.body().at("/metadata/registered-by").asText()).isEqualTo("node-1");
        assertThat(reg.body().at("/metadata/host").asText()).isEqualTo("web-1.example.com");
        assertThat(reg.body().at("/metadata/ip").asText()).isEqualTo("10.0.0.7");
        assertThat(reg.body().at("/metadata/port").asText()).isEqualTo("8080");
        assertThat(reg.body().path("heartbeat_timeout_ms").asLong()).isEqualTo(30_000);
        Awaitility.await("node-2 lists web-1 alive with its services").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> seenBy(http2, "web-1").filter(n -> n.path("state").asText().equals("alive")
                        && n.path("services").size() == 2).isPresent());
        assertThat(get(http2, "/api/cluster/nodes?service=static").body()).extracting(n -> n.path("name").asText())
                .containsExactly("web-1");
        assertThat(get(http2, "/api/cluster/nodes/web-1").body().at("/metadata/host").asText())
                .isEqualTo("web-1.example.com");

        Http.Answer beat = post(http1, "/api/cluster/nodes/web-1", "{\"cpu\": 0.5, \"memory\": 0.25, \"agents\": 3}");
        assertThat(beat.status()).as("%s", beat.body()).isEqualTo(200);
        assertThat(beat.body().at("/health/cpu").asDouble()).isEqualTo(0.5);
        Awaitility.await("node-2 sees web-1's new figures").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> seenBy(http2, "web-1").map(n -> n.at("/health/cpu").asDouble() == 0.5
                        && n.at("/health/memory").asDouble() == 0.25 && n.at("/health/agents").asInt() == 3).orElse(false));
        Http.Answer partial = post(http1, "/api/cluster/nodes/web-1", "{\"load\": 1.5}");
        assertThat(partial.body().at("/health/load").asDouble()).isEqualTo(1.5);
        assertThat(partial.body().at("/health/cpu").asDouble()).as("a figure not sent keeps its value").isEqualTo(0.5);
        assertThat(partial.body().at("/health/disk").isNull()).as("never sent: unknown").isTrue();

        Http.Answer status = post(http2, "/api/cluster/nodes/web-1", "{\"status\": \"draining\"}");
        assertThat(status.status()).as("a status write on the same path still works: %s", status.body()).isEqualTo(200);
        assertThat(status.body().path("status").asText()).isEqualTo("draining");
        assertThat(post(http2, "/api/cluster/nodes/web-1", "{\"status\": \"online\"}").status()).isEqualTo(200);

        assertError(post(http2, "/api/cluster/nodes/web-1", "{\"cpu\": 0.1}"), 409, "not registered here",
                "registered by node-1; send its heartbeats to node-1");
        assertError(post(http1, "/api/cluster/nodes/node-2", "{\"cpu\": 0.1}"), 409, "not registered here",
                "node-2' is a node process");
        assertError(post(http1, "/api/cluster/nodes/node-9", "{\"cpu\": 0.1}"), 404, "unknown node", "node-9");
        assertError(post(http1, "/api/cluster/nodes", WEB_1), 409, "node exists", "registered here already");
        assertError(post(http2, "/api/cluster/nodes", WEB_1), 409, "node exists", "is in the cluster already");
        assertError(delete(http2, "/api/cluster/nodes/web-1"), 409, "not registered here", "registered by node-1");
        assertError(delete(http1, "/api/cluster/nodes/node-2"), 409, "not registered here", "a node process");
        assertError(delete(http1, "/api/cluster/nodes/node-9"), 404, "unknown node", "node-9");

        Http.Answer left = delete(http1, "/api/cluster/nodes/web-1");
        assertThat(left.status()).as("%s", left.body()).isEqualTo(200);
        assertThat(left.body().path("left").asText()).isEqualTo("web-1");
        Awaitility.await("node-2 shows web-1 left").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> stateSeenBy(http2, "web-1"), s -> s.equals("left") || s.equals("unknown"));
        assertError(delete(http1, "/api/cluster/nodes/web-1"), 404, "unknown node", "web-1");
        assertError(post(http1, "/api/cluster/nodes/web-1", "{\"cpu\": 0.1}"), 404, "unknown node", "web-1");

        Http.Answer again = post(http1, "/api/cluster/nodes", WEB_1);
        assertThat(again.status()).as("a node that left registers again under its name: %s", again.body()).isEqualTo(201);
        Awaitility.await("node-2 shows web-1 alive again").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> stateSeenBy(http2, "web-1"), "alive"::equals);
        assertThat(delete(http1, "/api/cluster/nodes/web-1").status()).isEqualTo(200);
    }

    @Test
    void badBodiesAreRefusedWithTheirReasonAndRegisterNothing() throws Exception {
        int before = members(http1);
        String nodes = "/api/cluster/nodes";
        String ok = "\"hostname\": \"h.example.com\", \"ip\": \"10.0.0.1\", \"port\": 80";
        assertError(post(http1, nodes, "{" + ok + "}"), 400, "bad request", "field 'id' is missing");
        assertError(post(http1, nodes, "{\"id\": \"bad/id\", " + ok + "}"), 400, "bad request",
                "field 'id': node name 'bad/id' must be 1 to 128 characters");
        assertError(post(http1, nodes, "{\"id\": \"x\", " + ok + ", \"zone\": \"a\"}"), 400, "bad request",
                "unknown field 'zone'");
        for (String port : List.of("0", "70000", "\"80\"", "8.5")) {
            assertError(post(http1, nodes, "{\"id\": \"x\", \"hostname\": \"h\", \"ip\": \"10.0.0.1\", \"port\": " + port
                    + "}"), 400, "bad request", "field 'port' must be a whole number from 1 to 65535");
        }
        assertError(post(http1, nodes, "{\"id\": \"x\", " + ok + ", \"max_agents\": 10001}"), 400, "bad request",
                "field 'max_agents' must be a whole number from 0 to 10000, not 10001");
        assertError(post(http1, nodes, "{\"id\": \"x\", " + ok + ", \"max_agents\": -1}"), 400, "bad request",
                "field 'max_agents'");
        assertError(post(http1, nodes, "{\"id\": \"x\", " + ok + ", \"services\": [\"a b\"]}"), 400, "bad request",
                "field 'services': service name 'a b' must be 1 to 64 characters");
        assertError(post(http1, nodes, "{\"id\": \"x\", " + ok + ", \"services\": \"web\"}"), 400, "bad request",
                "field 'services' must be an array of strings");
        assertError(post(http1, nodes, "{\"id\": \"x\", \"hostname\": \"bad_host!\", \"ip\": \"10.0.0.1\", \"port\": 80}"),
                400, "bad request", "field 'hostname': 'bad_host!' must be a host name");
        for (String ip : List.of("999.1.1.1", "10.0.0", "abc", "::g", "h.example.com")) {
            assertError(post(http1, nodes, "{\"id\": \"x\", \"hostname\": \"h\", \"ip\": \"" + ip + "\", \"port\": 80}"),
                    400, "bad request", "field 'ip': '" + ip + "' must be an IPv4 address");
        }
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            many.append(i == 0 ? "" : ",").append("\"service-with-a-long-name-").append(i).append('"');
        }
        assertError(post(http1, nodes, "{\"id\": \"x\", " + ok + ", \"services\": [" + many + "]}"), 400, "bad request",
                "bytes of metadata; at most 512");
        assertError(post(http1, nodes, "{\"id\": \"node-2\", " + ok + "}"), 409, "node exists",
                "a member named 'node-2' is in the cluster already");

        String one = "/api/cluster/nodes/node-1";
        assertError(post(http1, one, "{\"status\": \"online\", \"cpu\": 0.1}"), 400, "bad request", "not both");
        assertError(post(http1, one, "{}"), 400, "bad request", "the body names no field");
        assertError(post(http1, one, "{\"cpu\": 2}"), 400, "bad request", "field 'cpu' (2.0) must be between 0 and 1");
        assertError(post(http1, one, "{\"load\": -1}"), 400, "bad request", "field 'load' (-1.0) must be between 0 and 1000");
        assertError(post(http1, one, "{\"agents\": 1.5}"), 400, "bad request", "field 'agents' must be a whole number");
        assertError(post(http1, one, "{\"cpu\": \"high\"}"), 400, "bad request", "field 'cpu' must be a number");
        assertError(post(http1, "/api/cluster/nodes/bad!name", "{\"cpu\": 0.1}"), 400, "bad request", "node name 'bad!name'");

        assertThat(members(http1)).as("nothing was registered").isEqualTo(before);
        assertThat(seenBy(http1, "x")).isEmpty();
    }

    @Test
    void aNodeWhoseHeartbeatsStopLeavesAndOneThatBeatsStays() throws Exception {
        for (String id : List.of("beats", "silent")) {
            Http.Answer reg = post(quick, "/api/cluster/nodes", "{\"id\": \"" + id + "\", \"hostname\": \"" + id
                    + "\", \"ip\": \"::1\", \"port\": 9000}");
            assertThat(reg.status()).as("%s", reg.body()).isEqualTo(201);
            assertThat(reg.body().path("heartbeat_timeout_ms").asLong()).isEqualTo(1000);
        }
        long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        boolean silentLeft = false;
        while (System.nanoTime() < until || !silentLeft) {
            assertThat(post(quick, "/api/cluster/nodes/beats", "{\"agents\": 0}").status())
                    .as("beats is registered as long as it beats").isEqualTo(200);
            silentLeft = List.of("left", "unknown").contains(stateSeenBy(http2, "silent"));
            assertThat(System.nanoTime() - until).as("silent leaves within the wait").isLessThan(WAIT.toNanos());
            Thread.sleep(200); // the heartbeat period of this test: well inside the 1 s timeout
        }
        assertThat(stateSeenBy(http2, "beats")).as("a node that beats stays").isEqualTo("alive");
        assertError(post(quick, "/api/cluster/nodes/silent", "{\"cpu\": 0.1}"), 404, "unknown node", "silent");
        assertThat(delete(quick, "/api/cluster/nodes/beats").status()).isEqualTo(200);
    }

    @Test
    void registeredNodesLeaveWhenTheirServerCloses() throws Exception {
        NodeServer own = NodeServer.start(two, control2, null, "127.0.0.1", 0,
                new Registry.Settings(Registry.HEARTBEAT_TIMEOUT, MembershipConfig.local()));
        try {
            assertThat(post(own, "/api/cluster/nodes", "{\"id\": \"short-lived\", \"hostname\": \"s\", \"ip\": \"10.1.1.1\","
                    + " \"port\": 1}").status()).isEqualTo(201);
            Awaitility.await().atMost(WAIT).until(() -> stateSeenBy(http1, "short-lived"), "alive"::equals);
        } finally {
            own.close();
        }
        Awaitility.await("node-1 shows short-lived left once its server closed").atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> stateSeenBy(http1, "short-lived"), s -> s.equals("left") || s.equals("unknown"));
    }
}
